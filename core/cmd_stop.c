/*
 * aq stop: shut a VM down cleanly, and force it only when that fails.
 *
 * First the guest is asked over SSH to power off, as a person would;
 * if it is still up after half the timeout, QEMU presses the ACPI power
 * button (QMP system_powerdown, which busybox acpid acts on); after the
 * whole timeout, or at once with --force, QEMU is told to quit, and
 * killed if it will not.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "loader.h"
#include "lock.h"
#include "opts.h"
#include "platform.h"
#include "qmp.h"
#include "util.h"
#include "banned.h"

#define STOP_DEFAULT_TIMEOUT 60
#define STOP_QMP_TIMEOUT_MS 3000

static const struct aq_opt stop_opts[] = {
	{ 'f', 'f', "force", 0 },
	{ 't', 't', "timeout", 1 },
	{ 0, 0, NULL, 0 }
};

/* Wait until pid is gone; 1 when it went, 0 on timeout. */
static int wait_gone(pid_t pid, long long deadline)
{
	while (platform_process_alive(pid)) {
		if (aq_now_ms() >= deadline)
			return 0;
		aq_sleep_ms(100);
	}
	return 1;
}

/* Run `poweroff` in the guest with aq's stdio out of the way. */
static void ask_guest(const struct vm *vm)
{
	static const char *const cmd[] = { "poweroff", NULL };
	struct aq_vm abi;
	int status;

	vm_to_abi(vm, &abi);
	aq_call_exec_quiet(&abi, 1, cmd, &status);
	aq_error_clear();
}

static int qmp_simple(const struct vm *vm, const char *cmd)
{
	struct qmp q = QMP_INIT;
	char path[AQ_PATH_MAX];
	int ret;

	if (vm_file(vm, AQ_VM_QMP, path, sizeof(path)) < 0 ||
	    qmp_open(&q, path, STOP_QMP_TIMEOUT_MS) < 0)
		return -1;
	ret = qmp_command(&q, cmd, NULL, NULL, STOP_QMP_TIMEOUT_MS);
	qmp_close(&q);
	return ret;
}

static int force(const struct vm *vm, pid_t pid)
{
	if (qmp_simple(vm, "quit") == 0 &&
	    wait_gone(pid, aq_now_ms() + 5000))
		return 0;
	aq_error_clear();
	kill(pid, SIGKILL);
	if (!wait_gone(pid, aq_now_ms() + 5000))
		return aq_error("QEMU (pid %ld) does not die", (long)pid);
	return 0;
}

static int stop(const char *name, int forced, long timeout)
{
	long long start = aq_now_ms();
	char lockfile[AQ_PATH_MAX];
	int lock, ret = -1;
	struct vm vm;
	pid_t pid;

	if (vm_load(name, &vm) < 0 ||
	    vm_file(&vm, "lock", lockfile, sizeof(lockfile)) < 0)
		return -1;
	lock = aq_lock(lockfile, forced ? AQ_LOCK_WAIT : 0);
	if (lock == AQ_ELOCKED)
		return aq_error("'%s' is busy: another aq command is starting "
				"or stopping it", name);
	if (lock < 0)
		return -1;
	pid = vm_pid(&vm);
	if (!pid) {
		vm_clean_runtime(&vm);
		aq_error("'%s' is not running", name);
		goto out;
	}
	if (!forced) {
		ask_guest(&vm);
		if (wait_gone(pid, start + timeout * 500)) {
			aq_log(AQ_LOG_INFO, "stopped %s (the guest shut "
			       "down)", name);
			goto done;
		}
		aq_log(AQ_LOG_INFO, "%s did not power off; pressing the ACPI "
		       "power button", name);
		if (qmp_simple(&vm, "system_powerdown") == 0 &&
		    wait_gone(pid, start + timeout * 1000)) {
			aq_log(AQ_LOG_INFO, "stopped %s (ACPI power button)",
			       name);
			goto done;
		}
		aq_error_clear();
	}
	if (force(&vm, pid) < 0)
		goto out;
	if (forced)
		aq_log(AQ_LOG_INFO, "stopped %s (forced off)", name);
	else
		aq_log(AQ_LOG_WARN, "%s did not shut down within %lds: forced "
		       "off", name, timeout);
done:
	{
		struct aq_vm abi;

		vm_to_abi(&vm, &abi);
		aq_call_exec_disconnect(&abi);
		aq_error_clear();
	}
	vm_clean_runtime(&vm);
	ret = 0;
out:
	aq_unlock(lock);
	return ret;
}

int cmd_stop(int argc, char **argv)
{
	const char *t = NULL;
	struct aq_opts o;
	long timeout = STOP_DEFAULT_TIMEOUT;
	int id, forced = 0, ret = AQ_EXIT_USAGE;

	if (aq_opts_init(&o, argc, argv, stop_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0) {
		if (id == 'f')
			forced = 1;
		else
			t = o.arg;
	}
	if (id < 0)
		goto out;
	if (o.noperands != 1) {
		ret = cmd_usage("stop", AQ_EXIT_USAGE);
		goto out;
	}
	ret = AQ_EXIT_FAIL;
	if (!t)
		t = aq_config_get("aq", "stop_timeout");
	if (t && aq_parse_long(t, 1, 86400, &timeout) < 0) {
		aq_error_wrap("invalid stop timeout");
		aq_error_report();
		goto out;
	}
	if (stop(o.operands[0], forced, timeout) < 0) {
		aq_error_wrap("cannot stop '%s'", o.operands[0]);
		aq_error_report();
		goto out;
	}
	ret = AQ_EXIT_OK;
out:
	aq_opts_release(&o);
	return ret;
}
