/*
 * aq ssh: an interactive root shell; aq ssh-config: the same connection
 * as an OpenSSH config block, for plain ssh, scp, rsync and editors.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "banned.h"

int cmd_ssh(int argc, char **argv)
{
	int rest = 2;

	if (argc < 2 || argv[1][0] == '-')
		return cmd_usage("ssh", AQ_EXIT_USAGE);
	if (argc > 2 && !strcmp(argv[2], "--"))
		rest = 3;
	return aq_exec_in(argv[1], argc - rest, argv + rest, -1);
}

int cmd_ssh_config(int argc, char **argv)
{
	struct aq_vm abi;
	struct vm vm;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage("ssh-config", AQ_EXIT_USAGE);
	if (vm_load(argv[1], &vm) < 0)
		return aq_error_report();
	vm_to_abi(&vm, &abi);
	if (aq_call_exec_ssh_config(&abi, stdout) < 0)
		return aq_error_report();
	return AQ_EXIT_OK;
}
