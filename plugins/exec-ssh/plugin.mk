# Only aq_plugin is exported; the helpers stay inside the plugin.
PLUGIN_CFLAGS_exec-ssh := -fvisibility=hidden
