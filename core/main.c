/*
 * aq: create and run Alpine Linux VMs on QEMU.
 *
 * main() reads the global options, the config file, and dispatches to
 * one of the commands in the table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "loader.h"
#include "banned.h"

const struct aq_cmd aq_commands[] = {
	{ "new", cmd_new, "[-p [ADDR:]HOST:GUEST[/udp]]... [--cpus N] "
	  "[--memory SIZE] [--disk SIZE] [--mac MAC] [--image IMAGE] "
	  "[--provision SCRIPT] [--from TAG] [--count N] [NAME]",
	  "create a VM (does not boot it)" },
	{ "start", cmd_start, "[--timeout SECONDS] NAME",
	  "boot a VM and wait until it answers SSH" },
	{ "stop", cmd_stop, "[--force] [--timeout SECONDS] NAME",
	  "shut a VM down" },
	{ "console", cmd_console, "NAME",
	  "attach to the serial console (leave: Ctrl-] or ~.)" },
	{ "exec", cmd_exec, "[-t|-T] NAME [--] COMMAND [ARG]... | "
	  "NAME SCRIPT | NAME < SCRIPT",
	  "run a command or a local script in a VM as root" },
	{ "ssh", cmd_ssh, "NAME [-- COMMAND...]",
	  "open an interactive root shell over SSH" },
	{ "ssh-config", cmd_ssh_config, "NAME",
	  "print an ~/.ssh/config block for plain ssh, scp and IDEs" },
	{ "rm", cmd_rm, "[--force] NAME...", "remove VMs and their disks" },
	{ "ls", cmd_ls, "[--json]", "list VMs" },
	{ "monitor", cmd_monitor, "NAME", "talk to QEMU's HMP monitor" },
	{ "images", cmd_images, "", "list image definitions and cached "
	  "base images" },
	{ "pull", cmd_pull, "[IMAGE]", "fetch the latest base image now" },
	{ "tap", cmd_tap, "[add USER/REPO [URL|PATH] | update [NAME]... | "
	  "rm NAME...]", "list, add, update or remove image taps" },
	{ "snapshot", cmd_snapshot, "create NAME TAG | ls [--json] | tree | "
	  "rm TAG...", "take, list and remove snapshots of VMs" },
	{ "fanout", cmd_fanout, "[--keep] [--prefix P] [--timeout SECONDS] "
	  "TAG N -- COMMAND [ARG]...", "run a command in N new VMs from a "
	  "snapshot at once" },
	{ "cp", cmd_cp, "[-r] SRC... NAME:DEST | [-r] NAME:SRC... DEST",
	  "copy files and directories between the host and a VM" },
	{ "plugins", cmd_plugins, "", "list the plugin serving each concern" },
	{ "help", cmd_help, "[COMMAND]", "show help" },
	{ NULL, NULL, NULL, NULL }
};

static const struct aq_cmd *find_cmd(const char *name)
{
	for (const struct aq_cmd *c = aq_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int cmd_usage(const char *name, int status)
{
	const struct aq_cmd *c = find_cmd(name);
	FILE *f = status ? stderr : stdout;

	if (!c)
		return cmd_help(1, NULL);
	fprintf(f, "usage: aq %s %s\n", c->name, c->usage);
	if (status == 0)
		fprintf(f, "\n%s\n", c->summary);
	return status;
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1 && argv)
		return cmd_usage(argv[1], find_cmd(argv[1]) ? 0 : AQ_EXIT_USAGE);
	printf("usage: aq [-q] [-v] COMMAND [ARGS]\n\n"
	       "Create and run Alpine Linux virtual machines on QEMU.\n\n"
	       "Commands:\n");
	for (const struct aq_cmd *c = aq_commands; c->name; c++)
		printf("  %-11s %s\n", c->name, c->summary);
	printf("\nRun 'aq COMMAND --help' for a command's options.  "
	       "Environment: AQ_HOME,\nAQ_CONFIG, AQ_MIRROR, AQ_ACCEL, "
	       "AQ_PLUGIN_PATH, AQ_DEBUG.  See aq(1).\n");
	return argv ? AQ_EXIT_OK : AQ_EXIT_USAGE;
}

static int finish(int status)
{
	aq_plugins_unload();
	aq_config_release();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "aq: cannot write to standard output\n");
		return AQ_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct aq_cmd *c;
	const char *debug = getenv("AQ_DEBUG");
	int i = 1;

	if (debug && *debug && strcmp(debug, "0"))
		aq_verbosity = AQ_LOG_DEBUG;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			aq_verbosity = AQ_LOG_WARN;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			aq_verbosity = AQ_LOG_DEBUG;
		} else if (!strcmp(argv[i], "--version")) {
			printf("aq %s (plugin ABI %d)\n", AQ_VERSION,
			       AQ_PLUGIN_ABI_VERSION);
			return finish(AQ_EXIT_OK);
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			return finish(cmd_help(1, argv));
		} else {
			return aq_usage_error("unknown option '%s' (see "
					      "'aq help')", argv[i]);
		}
	}
	if (i == argc)
		return finish(cmd_help(1, NULL));
	c = find_cmd(argv[i]);
	if (!c)
		return aq_usage_error("'%s' is not an aq command (see "
				      "'aq help')", argv[i]);
	aq_loader_init(argv[0]);
	if (cmd_wants_help(argc - i, argv + i))
		return finish(cmd_usage(c->name, AQ_EXIT_OK));
	if (!aq_home()[0])
		return finish(aq_error_report());
	if (aq_config_load() < 0)
		return finish(aq_error_report());
	return finish(c->fn(argc - i, argv + i));
}
