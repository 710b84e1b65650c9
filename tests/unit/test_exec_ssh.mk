# Drives the built plugin through dlopen against a real sshd (skipped
# unless run as root with openssh-server installed).
UNIT_CFLAGS_test_exec_ssh := \
	-DEXEC_PLUGIN='"$(abspath $(BUILD))/plugins/exec-ssh.$(SO)"'
$(BUILD)/tests/test_exec_ssh: $(BUILD)/plugins/exec-ssh.$(SO)
