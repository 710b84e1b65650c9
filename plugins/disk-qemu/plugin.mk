# Only aq_plugin is exported; the helpers stay inside the plugin.
PLUGIN_CFLAGS_disk-qemu := -fvisibility=hidden \
	$(shell $(PKGCONFIG) --cflags libarchive jansson)
PLUGIN_LIBS_disk-qemu := $(shell $(PKGCONFIG) --libs libarchive jansson)
