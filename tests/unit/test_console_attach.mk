# Drives the built plugin through dlopen, so it needs the .so first.
UNIT_CFLAGS_test_console_attach := -Iplugins/console-serial \
	-DCONSOLE_PLUGIN='"$(abspath $(BUILD))/plugins/console-serial.$(SO)"'
$(BUILD)/tests/test_console_attach: $(BUILD)/plugins/console-serial.$(SO)
