/*
 * aq console: attach to a VM's serial console.
 */
#include <stdio.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "banned.h"

int cmd_console(int argc, char **argv)
{
	struct aq_vm abi;
	struct vm vm;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage("console", AQ_EXIT_USAGE);
	if (cmd_load_vm(argv[1], 1, &vm) < 0)
		goto fail;
	vm_to_abi(&vm, &abi);
	if (aq_call_console_attach(&abi) < 0)
		goto fail;
	return AQ_EXIT_OK;
fail:
	aq_error_wrap("cannot attach to '%s'", argv[1]);
	return aq_error_report();
}
