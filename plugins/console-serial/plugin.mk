# Only aq_plugin is exported; the helpers stay inside the plugin.
PLUGIN_CFLAGS_console-serial := -fvisibility=hidden
