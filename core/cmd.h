/*
 * The subcommands.  Each lives in core/cmd_NAME.c and is called with
 * argv[0] set to its own name; it returns the process exit status and
 * prints its own errors (through aq_error_report and friends).
 */
#ifndef AQ_CMD_H
#define AQ_CMD_H

#include "vm.h"

struct aq_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;	/* after "aq NAME " */
	const char *summary;	/* one line for `aq help` */
};

/* The command table, ending with a NULL name. */
extern const struct aq_cmd aq_commands[];

int cmd_new(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ssh(int argc, char **argv);
int cmd_ssh_config(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_plugins(int argc, char **argv);
int cmd_tap(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_fanout(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_help(int argc, char **argv);

/*
 * Create count VMs PREFIX-1 ... PREFIX-count from snapshot tag (as
 * `aq new --from TAG --count N PREFIX`), all or none; their names go to
 * names.  Errors are recorded, not printed.
 */
int aq_new_clones(const char *tag, const char *prefix, long count,
		  char (*names)[AQ_NAME_MAX + 1]);

/* Print "usage: aq NAME USAGE" and the summary for command name. */
int cmd_usage(const char *name, int status);

/* True when argv holds -h or --help before any "--". */
int cmd_wants_help(int argc, char **argv);

/*
 * Run argv in VM name (an interactive shell when argc is 0); tty is 1 to
 * force a terminal, 0 to refuse one, -1 to decide.  Returns the guest
 * command's exit status, 255 when it could not be run.
 */
int aq_exec_in(const char *name, int argc, char **argv, int tty);

/*
 * Load VM name for a command that needs it running (or stopped, when
 * want_running is 0).  Errors are recorded with the command's context.
 */
int cmd_load_vm(const char *name, int want_running, struct vm *vm);

#endif
