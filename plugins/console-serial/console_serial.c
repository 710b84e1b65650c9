/*
 * The serial console plugin: QEMU's first serial port on a unix socket
 * that `aq console` attaches to, with everything the guest prints also
 * appended to console.log so `aq start` can show how a boot went.
 */
#include <string.h>
#include <sys/un.h>

#include <aq/plugin.h>

#include "console_args.h"
#include "console_attach.h"

/* An escaped directory can double in length; the options are short. */
#define CONSOLE_ARG_MAX (4 * AQ_PATH_MAX + 128)

static const struct aq_host *console_host;

static int console_init(const struct aq_host *host)
{
	console_host = host;
	return 0;
}

static void console_fini(void)
{
	console_host = NULL;
}

/*
 * QEMU would refuse a socket path longer than sun_path only once it
 * starts; saying so here names the cause before anything runs.
 */
static int console_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	static char arg[CONSOLE_ARG_MAX];
	struct sockaddr_un sa;
	char path[AQ_PATH_MAX];

	if (console_path(vm->dir, AQ_VM_CONSOLE, path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path))
		return console_host->error("cannot use '%s' for the console "
					   "of '%s': a socket path holds at "
					   "most %zu bytes", vm->dir, vm->name,
					   sizeof(sa.sun_path) - 1);
	if (console_chardev_arg(vm->dir, arg, sizeof(arg)) < 0)
		return console_host->error("cannot build console arguments "
					   "for '%s': path too long", vm->name);
	if (console_host->argv_add(argv, "-chardev") < 0 ||
	    console_host->argv_add(argv, arg) < 0 ||
	    console_host->argv_add(argv, "-serial") < 0 ||
	    console_host->argv_add(argv, "chardev:serial0") < 0)
		return -1;
	return 0;
}

static int console_attach(const struct aq_vm *vm)
{
	return console_attach_run(console_host, vm);
}

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "serial",
	.concern = AQ_CONCERN_CONSOLE,
	.description = "serial console on a unix socket, logged to a file",
	.init = console_init,
	.fini = console_fini,
	.console_qemu_args = console_qemu_args,
	.console_attach = console_attach,
};
