/*
 * Building ssh command lines for a VM (see exec_args.h).
 */
#include <stdio.h>
#include <string.h>

#include "exec_args.h"
#include "exec_quote.h"

void exec_cmd_init(struct exec_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->argv[c->argc++] = "ssh";
}

void exec_cmd_add(struct exec_cmd *c, const char *arg)
{
	if (c->argc >= EXEC_ARGV_MAX) {
		c->full = 1;
		return;
	}
	c->argv[c->argc++] = arg;
}

/* Write "KEY=<quoted DIR/FILE or DIR>" into out. */
static int exec_cmd_path_opt(char *out, const char *key, const char *dir,
			     const char *file)
{
	char path[AQ_PATH_MAX];
	char quoted[EXEC_OPT_MAX];
	int n;

	n = file ? snprintf(path, sizeof(path), "%s/%s", dir, file) :
		   snprintf(path, sizeof(path), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    exec_config_quote(path, quoted, sizeof(quoted)) < 0)
		return -1;
	n = snprintf(out, EXEC_OPT_MAX, "%s=%s", key, quoted);
	return n < 0 || n >= EXEC_OPT_MAX ? -1 : 0;
}

int exec_cmd_target(struct exec_cmd *c, const char *key, const char *dir,
		    int port)
{
	static const char *const fixed[] = {
		"-F", "none",
		"-o", "IdentitiesOnly=yes",
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=accept-new",
		"-o", "BatchMode=yes",
		"-o", "ConnectTimeout=5",
		"-o", "LogLevel=ERROR",
	};
	size_t i;

	if (port < 1 || port > 65535 ||
	    exec_cmd_path_opt(c->identity, "IdentityFile", key, NULL) < 0 ||
	    exec_cmd_path_opt(c->known_hosts, "UserKnownHostsFile", dir,
			      AQ_VM_KNOWN_HOSTS) < 0 ||
	    exec_cmd_path_opt(c->control, "ControlPath", dir,
			      AQ_VM_SSH_CONTROL) < 0)
		return -1;
	snprintf(c->port, sizeof(c->port), "%d", port);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		exec_cmd_add(c, fixed[i]);
	exec_cmd_add(c, "-o");
	exec_cmd_add(c, c->identity);
	exec_cmd_add(c, "-o");
	exec_cmd_add(c, c->known_hosts);
	exec_cmd_add(c, "-o");
	exec_cmd_add(c, c->control);
	exec_cmd_add(c, "-p");
	exec_cmd_add(c, c->port);
	exec_cmd_add(c, EXEC_DEST);
	return c->full ? -1 : 0;
}

int exec_cmd_done(struct exec_cmd *c)
{
	c->argv[c->argc] = NULL;
	return c->full ? -1 : 0;
}
