/*
 * aq exec: run a command, or a local script, in a VM as root.
 *
 *   aq exec NAME [--] CMD [ARG]...   run CMD, each word passed as is
 *   aq exec NAME [--] 'CMD LINE'     one word: a shell command line, as
 *                                    with ssh (pipes, redirections)
 *   aq exec NAME SCRIPT [ARG]...     SCRIPT is a local file: sent to sh
 *   aq exec NAME < SCRIPT            no command, stdin not a terminal
 *   aq exec NAME                     an interactive shell
 *
 * The exit status is the guest command's.  A terminal is allocated only
 * when both stdin and stdout are terminals (or with -t), so pipes stay
 * binary-clean and stderr stays separate from stdout.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "opts.h"
#include "banned.h"

static const struct aq_opt exec_opts[] = {
	{ 't', 't', "tty", 0 },
	{ 'T', 'T', "no-tty", 0 },
	{ 0, 0, NULL, 0 }
};

static int is_local_script(const char *arg)
{
	struct stat st;

	return strchr(arg, '/') || strchr(arg, '.') ?
	       stat(arg, &st) == 0 && S_ISREG(st.st_mode) :
	       0;
}

/* Put the script on stdin; the guest runs `sh -s -- ARGS`. */
static int script_argv(const char *script, int argc, char **argv,
		       const char ***out)
{
	const char **v = calloc((size_t)argc + 4, sizeof(*v));
	int fd;

	if (!v)
		return aq_error("out of memory");
	fd = open(script, O_RDONLY);
	if (fd < 0) {
		free(v);
		return aq_error_errno("cannot read script '%s'", script);
	}
	dup2(fd, 0);
	close(fd);
	v[0] = "sh";
	v[1] = "-s";
	v[2] = "--";
	for (int i = 0; i < argc; i++)
		v[3 + i] = argv[i];
	*out = v;
	return argc + 3;
}

int aq_exec_in(const char *name, int argc, char **argv, int tty)
{
	static const char *stdin_script[] = { "sh", "-s", NULL };
	const char *shell_line[] = { "sh", "-c", NULL, NULL };
	const char **cmd = (const char **)argv;
	const char **owned = NULL;
	unsigned int flags = 0;
	struct aq_vm abi;
	struct vm vm;
	int status = 255;

	if (cmd_load_vm(name, 1, &vm) < 0)
		goto fail;
	if (argc > 0 && is_local_script(argv[0])) {
		argc = script_argv(argv[0], argc - 1, argv + 1, &owned);
		if (argc < 0)
			goto fail;
		cmd = owned;
		tty = 0;
	} else if (argc == 0 && !isatty(0)) {
		cmd = stdin_script;
		argc = 2;
	} else if (argc == 1 && strpbrk(argv[0], " \t\n;|&<>()$`*?[]~'\"\\")) {
		shell_line[2] = argv[0];
		cmd = shell_line;
		argc = 3;
	}
	if (tty > 0 || (tty < 0 && isatty(0) && isatty(1)))
		flags |= AQ_EXEC_TTY;
	vm_to_abi(&vm, &abi);
	/* ssh gets the terminal's SIGINT itself; aq waits for it. */
	signal(SIGINT, SIG_IGN);
	if (aq_call_exec_run(&abi, argc, cmd, flags, &status) < 0) {
		free(owned);
		goto fail;
	}
	free(owned);
	return status;
fail:
	aq_error_wrap("cannot run in '%s'", name);
	aq_error_report();
	return 255;
}

int cmd_exec(int argc, char **argv)
{
	struct aq_opts o;
	int id, tty = -1, ret;

	if (aq_opts_init(&o, argc, argv, exec_opts, AQ_OPTS_STOP_AT_OPERAND)
	    < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0)
		tty = id == 't';
	if (id < 0) {
		aq_opts_release(&o);
		return AQ_EXIT_USAGE;
	}
	if (o.noperands != 1) {
		aq_opts_release(&o);
		return cmd_usage("exec", AQ_EXIT_USAGE);
	}
	if (o.index < argc && !strcmp(argv[o.index], "--"))
		o.index++;
	ret = aq_exec_in(o.operands[0], argc - o.index, argv + o.index, tty);
	aq_opts_release(&o);
	return ret;
}
