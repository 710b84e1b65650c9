/*
 * Building ssh command lines for a VM: the options every call shares
 * (aq's key only, the VM's own known_hosts, the VM's control socket, no
 * user config) and the destination.  Pure: nothing is run here.
 */
#ifndef EXEC_ARGS_H
#define EXEC_ARGS_H

#include <stddef.h>

#include <aq/plugin.h>

#define EXEC_ARGV_MAX 48
#define EXEC_OPT_MAX (2 * AQ_PATH_MAX + 32)
#define EXEC_DEST "root@127.0.0.1"

/*
 * OpenSSH binds the master socket at ControlPath plus "." and 16 hex
 * digits before renaming it, so that longer name must fit in sun_path.
 */
#define EXEC_CONTROL_SUFFIX 17

/* ControlPersist of the master aq starts, in seconds. */
#define EXEC_PERSIST "600"

/* An ssh command line; argv points into the struct itself. */
struct exec_cmd {
	const char *argv[EXEC_ARGV_MAX + 1];
	size_t argc;
	int full;		/* an argument did not fit */
	char identity[EXEC_OPT_MAX];
	char known_hosts[EXEC_OPT_MAX];
	char control[EXEC_OPT_MAX];
	char port[8];
};

/* Start a command line with "ssh". */
void exec_cmd_init(struct exec_cmd *c);

/* Append one argument (borrowed: it must outlive c). */
void exec_cmd_add(struct exec_cmd *c, const char *arg);

/*
 * Append the shared options for a VM whose files are in dir, reached on
 * 127.0.0.1:port with the private key at key, then the destination.
 * Returns 0, or -1 when a path cannot be passed to ssh (see
 * exec_config_quote) or the line is full.
 */
int exec_cmd_target(struct exec_cmd *c, const char *key, const char *dir,
		    int port);

/* 0 when c is complete and NULL-terminated, -1 when it overflowed. */
int exec_cmd_done(struct exec_cmd *c);

#endif
