/*
 * aq start: boot a VM and wait until root can log in over SSH.
 *
 * Readiness is "aq's key is accepted for root", not "port 22 answers":
 * QEMU's user networking accepts connections on the forwarded port before
 * the guest listens, and on first boot the key is installed by the
 * user-data script only after sshd has started.
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
#include "provision.h"
#include "qemu.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

#define START_DEFAULT_TIMEOUT 300
#define START_LOG_LINES 15

static const struct aq_opt start_opts[] = {
	{ 't', 't', "timeout", 1 },
	{ 0, 0, NULL, 0 }
};

static int start_timeout(const char *flag, long *out)
{
	const char *v = flag ? flag : aq_config_get("aq", "boot_timeout");

	*out = START_DEFAULT_TIMEOUT;
	if (v && aq_parse_long(v, 1, 86400, out) < 0)
		return aq_error_wrap("invalid boot timeout");
	return 0;
}

/* The last lines of the serial log, for a boot that went wrong. */
static void show_console_tail(const struct vm *vm)
{
	struct aq_buf log = AQ_BUF_INIT;
	char path[AQ_PATH_MAX];
	const char *p;
	int lines = 0;

	if (vm_file(vm, AQ_VM_CONSOLE_LOG, path, sizeof(path)) < 0 ||
	    aq_read_file(path, &log) < 0) {
		aq_error_clear();
		return;
	}
	p = log.s + log.len;
	while (p > log.s && lines <= START_LOG_LINES)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	fprintf(stderr, "aq: last lines of %s:\n", path);
	for (; *p; p++)
		if (*p != '\r')
			fputc((unsigned char)*p, stderr);
	if (log.len && log.s[log.len - 1] != '\n')
		fputc('\n', stderr);
	aq_buf_release(&log);
}

static void progress(const struct vm *vm, long long started, int done)
{
	if (!isatty(2) || aq_verbosity > AQ_LOG_INFO)
		return;
	fprintf(stderr, "\raq: waiting for %s to answer SSH on port %d ... "
		"%llds%s", vm->name, vm->ssh_port,
		(aq_now_ms() - started) / 1000, done ? "\n" : "");
}

static int wait_ready(const struct vm *vm, long timeout)
{
	long long started = aq_now_ms();
	long long deadline = started + timeout * 1000;
	struct aq_vm abi;
	int r;

	vm_to_abi(vm, &abi);
	if (!isatty(2))
		aq_log(AQ_LOG_INFO, "waiting for %s to answer SSH on port %d",
		       vm->name, vm->ssh_port);
	for (;;) {
		progress(vm, started, 0);
		r = aq_call_exec_ready(&abi);
		if (r != AQ_ENOTREADY)
			break;
		if (!vm_pid(vm)) {
			progress(vm, started, 1);
			show_console_tail(vm);
			return aq_error("QEMU exited while '%s' was booting",
					vm->name);
		}
		if (aq_now_ms() >= deadline) {
			progress(vm, started, 1);
			show_console_tail(vm);
			return aq_error("'%s' did not answer SSH within %lds; it "
					"is still running: look with 'aq "
					"console %s', stop with 'aq stop %s'. "
					"Hint (accelerator %s): %s", vm->name,
					timeout, vm->name, vm->name, vm->accel,
					platform_accel_hint(vm->accel));
		}
		aq_sleep_ms(500);
	}
	progress(vm, started, 1);
	return r;
}

static int check_ports(const struct vm *vm)
{
	if (aq_call_net_port_check("tcp", "127.0.0.1", vm->ssh_port) < 0)
		return aq_error_wrap("SSH port of '%s'", vm->name);
	for (size_t i = 0; i < vm->nforwards; i++) {
		const struct aq_forward *f = &vm->forwards[i];

		if (aq_call_net_port_check(f->proto, f->host_addr,
					   f->host_port) < 0)
			return -1;
	}
	return 0;
}

static int start(const char *name, long timeout)
{
	char lockfile[AQ_PATH_MAX];
	int lock = -1, ret = -1;
	struct vm vm;

	if (vm_load(name, &vm) < 0 || aq_plugins_load_all() < 0)
		return -1;
	if (vm_file(&vm, "lock", lockfile, sizeof(lockfile)) < 0)
		return -1;
	lock = aq_lock(lockfile, 0);
	if (lock == AQ_ELOCKED)
		return aq_error("'%s' is busy: another aq command is starting "
				"or stopping it", name);
	if (lock < 0)
		return -1;
	if (snapshot_recover(&vm) < 0)
		goto out;
	if (vm_pid(&vm)) {
		aq_error("'%s' is already running", name);
		goto out;
	}
	vm_clean_runtime(&vm);
	if (!aq_exists(vm.image)) {
		aq_error("base image '%s' is missing (run 'aq pull')",
			 vm.image);
		goto out;
	}
	if (qemu_choose_accel(&vm) < 0 || check_ports(&vm) < 0)
		goto out;
	aq_log(AQ_LOG_DEBUG, "starting %s with %s", name, vm.accel);
	if (snapshot_launch(&vm) < 0 || wait_ready(&vm, timeout) < 0 ||
	    snapshot_adopt(&vm) < 0)
		goto out;
	ret = provision_wait(&vm, timeout);
	if (ret < 0)
		goto out;
	aq_log(AQ_LOG_INFO, "%s is ready: aq exec %s -- CMD, aq ssh %s",
	       name, name, name);
	ret = 0;
out:
	aq_unlock(lock);
	return ret;
}

int cmd_start(int argc, char **argv)
{
	const char *timeout_flag = NULL;
	struct aq_opts o;
	long timeout;
	int id, ret = AQ_EXIT_USAGE;

	if (aq_opts_init(&o, argc, argv, start_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0)
		timeout_flag = o.arg;
	if (id < 0)
		goto out;
	if (o.noperands != 1) {
		ret = cmd_usage("start", AQ_EXIT_USAGE);
		goto out;
	}
	ret = AQ_EXIT_FAIL;
	if (start_timeout(timeout_flag, &timeout) < 0 ||
	    (ret = start(o.operands[0], timeout)) < 0) {
		/* A VM whose provisioning failed did start. */
		if (ret != PROVISION_FAILED)
			aq_error_wrap("cannot start '%s'", o.operands[0]);
		ret = aq_error_report();
		goto out;
	}
	ret = AQ_EXIT_OK;
out:
	aq_opts_release(&o);
	return ret;
}
