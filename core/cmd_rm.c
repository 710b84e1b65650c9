/*
 * aq rm: remove VMs.  A running VM is refused unless --force, which
 * stops it hard first.  The shared base image stays in the cache.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "lock.h"
#include "opts.h"
#include "platform.h"
#include "util.h"
#include "banned.h"

static const struct aq_opt rm_opts[] = {
	{ 'f', 'f', "force", 0 },
	{ 0, 0, NULL, 0 }
};

static int kill_vm(const struct vm *vm, pid_t pid)
{
	struct aq_vm abi;

	vm_to_abi(vm, &abi);
	aq_call_exec_disconnect(&abi);
	aq_error_clear();
	kill(pid, SIGKILL);
	for (int i = 0; i < 100 && platform_process_alive(pid); i++)
		aq_sleep_ms(50);
	if (platform_process_alive(pid))
		return aq_error("QEMU (pid %ld) does not die", (long)pid);
	return 0;
}

static int rm_one(const char *name, int force)
{
	char lockfile[AQ_PATH_MAX], trash[AQ_PATH_MAX];
	int lock, ret = -1;
	struct vm vm;
	pid_t pid;

	if (vm_load(name, &vm) < 0 ||
	    vm_file(&vm, "lock", lockfile, sizeof(lockfile)) < 0)
		return -1;
	lock = aq_lock(lockfile, 0);
	if (lock == AQ_ELOCKED)
		return aq_error("'%s' is busy: another aq command is using it",
				name);
	if (lock < 0)
		return -1;
	pid = vm_pid(&vm);
	if (pid && !force) {
		aq_error("'%s' is running: stop it first, or use --force",
			 name);
		goto out;
	}
	if (pid && kill_vm(&vm, pid) < 0)
		goto out;
	/* Hide it from `aq ls` first, so a failed removal leaves no VM. */
	if (aq_path(trash, sizeof(trash), "%.*s.rm-%s",
		    (int)(strrchr(vm.dir, '/') - vm.dir + 1), vm.dir,
		    name) < 0 || rename(vm.dir, trash) < 0) {
		aq_error_errno("cannot remove '%s'", vm.dir);
		goto out;
	}
	ret = aq_rm_rf(trash);
out:
	aq_unlock(lock);
	return ret;
}

int cmd_rm(int argc, char **argv)
{
	struct aq_opts o;
	int id, force = 0, ret = AQ_EXIT_OK;

	if (aq_opts_init(&o, argc, argv, rm_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0)
		force = 1;
	if (id < 0 || o.noperands == 0) {
		aq_opts_release(&o);
		return id < 0 ? AQ_EXIT_USAGE : cmd_usage("rm", AQ_EXIT_USAGE);
	}
	for (int i = 0; i < o.noperands; i++) {
		if (rm_one(o.operands[i], force) < 0) {
			aq_error_wrap("cannot remove '%s'", o.operands[i]);
			ret = aq_error_report();
			continue;
		}
		aq_log(AQ_LOG_INFO, "removed %s", o.operands[i]);
	}
	aq_opts_release(&o);
	return ret;
}
