/*
 * What several commands share.
 */
#include <stdio.h>

#include "cmd.h"
#include "error.h"
#include "banned.h"

int cmd_load_vm(const char *name, int want_running, struct vm *vm)
{
	if (vm_load(name, vm) < 0)
		return -1;
	if (want_running && !vm_pid(vm))
		return aq_error("'%s' is not running (start it with 'aq start "
				"%s')", name, name);
	return 0;
}
