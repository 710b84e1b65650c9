# Only aq_plugin is exported; the helpers stay inside the plugin.
PLUGIN_CFLAGS_net-user := -fvisibility=hidden
PLUGIN_LIBS_net-user :=
