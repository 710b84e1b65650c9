/*
 * The plugin loader and the services the core offers plugins.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "loader.h"
#include "spawn.h"
#include "util.h"
#include "banned.h"

struct loaded {
	const struct aq_plugin *plugin;
	void *handle;
	char file[AQ_PATH_MAX];
};

static struct loaded loaded[AQ_CONCERN_COUNT];
static int from_build_tree;

static const char *const concern_names[AQ_CONCERN_COUNT] = {
	"fetch", "disk", "net", "console", "exec"
};

static const char *const default_plugins[AQ_CONCERN_COUNT] = {
	"fetch-curl", "disk-qemu", "net-user", "console-serial", "exec-ssh"
};

/* --- services for plugins --- */

static void host_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aq_vlog(level, fmt, ap);
	va_end(ap);
}

static int host_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aq_verror(fmt, ap);
	va_end(ap);
	return -1;
}

static int host_argv_add(struct aq_argv *argv, const char *arg)
{
	return aq_argv_add(argv, arg);
}

static int host_interactive(void)
{
	return isatty(2) && aq_verbosity <= AQ_LOG_INFO;
}

static const struct aq_host host = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.log = host_log,
	.error = host_error,
	.config = aq_config_get,
	.home = aq_home,
	.argv_add = host_argv_add,
	.run = aq_run,
	.interactive = host_interactive,
};

/* --- argument vectors --- */

int aq_argv_add(struct aq_argv *argv, const char *arg)
{
	char *copy;

	if (argv->n + 2 > argv->cap) {
		size_t cap = argv->cap ? argv->cap * 2 : 32;
		char **v = realloc(argv->v, cap * sizeof(*v));

		if (!v)
			return aq_error("out of memory");
		argv->v = v;
		argv->cap = cap;
	}
	copy = strdup(arg);
	if (!copy)
		return aq_error("out of memory");
	argv->v[argv->n++] = copy;
	argv->v[argv->n] = NULL;
	return 0;
}

int aq_argv_addf(struct aq_argv *argv, const char *fmt, ...)
{
	char arg[AQ_PATH_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(arg, sizeof(arg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(arg))
		return aq_error("argument too long");
	return aq_argv_add(argv, arg);
}

void aq_argv_release(struct aq_argv *argv)
{
	for (size_t i = 0; i < argv->n; i++)
		free(argv->v[i]);
	free(argv->v);
	argv->v = NULL;
	argv->n = argv->cap = 0;
}

/* --- finding plugins --- */

/* The path of the running aq, from argv[0] and PATH. */
static int self_path(const char *argv0, char *out, size_t len)
{
	if (strchr(argv0, '/'))
		return aq_path(out, len, "%s", argv0);
	return aq_which(argv0, out, len);
}

/*
 * Whether aq runs from the build tree: its directory is AQ_BUILD_DIR,
 * compared by inode so that symlinks and relative paths do not matter.
 */
void aq_loader_init(const char *argv0)
{
	char self[AQ_PATH_MAX], *slash;
	struct stat a, b;

	if (self_path(argv0, self, sizeof(self)) < 0)
		return;
	aq_error_clear();
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	from_build_tree = stat(self[0] ? self : "/", &a) == 0 &&
			  stat(AQ_BUILD_DIR, &b) == 0 &&
			  a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int aq_running_from_build(void)
{
	return from_build_tree;
}

const char *aq_concern_name(enum aq_concern c)
{
	return c < AQ_CONCERN_COUNT ? concern_names[c] : "unknown";
}

const char *aq_plugin_default(enum aq_concern c)
{
	return c < AQ_CONCERN_COUNT ? default_plugins[c] : "";
}

static int try_dir(const char *dir, size_t dirlen, const char *name,
		   char *out)
{
	if (dirlen == 0)
		return -1;
	if (snprintf(out, AQ_PATH_MAX, "%.*s/%s%s", (int)dirlen, dir, name,
		     AQ_PLUGIN_SUFFIX) >= AQ_PATH_MAX)
		return -1;
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int find_plugin(const char *name, char *out)
{
	const char *p = getenv("AQ_PLUGIN_PATH");
	char dir[AQ_PATH_MAX];

	if (strchr(name, '/'))
		return aq_path(out, AQ_PATH_MAX, "%s", name);
	while (p && *p) {
		size_t len = strcspn(p, ":");

		if (try_dir(p, len, name, out) == 0)
			return 0;
		p += len + (p[len] == ':');
	}
	if (aq_path(dir, sizeof(dir), "%s/plugins", aq_home()) == 0 &&
	    try_dir(dir, strlen(dir), name, out) == 0)
		return 0;
	if (from_build_tree &&
	    try_dir(AQ_BUILD_DIR "/plugins", strlen(AQ_BUILD_DIR "/plugins"),
		    name, out) == 0)
		return 0;
	if (try_dir(AQ_INSTALL_PLUGIN_DIR, strlen(AQ_INSTALL_PLUGIN_DIR), name,
		    out) == 0)
		return 0;
	return aq_error("plugin '%s' not found in $AQ_PLUGIN_PATH, "
			"%s/plugins%s or %s", name, aq_home(),
			from_build_tree ? ", " AQ_BUILD_DIR "/plugins" : "",
			AQ_INSTALL_PLUGIN_DIR);
}

static int check_plugin(const struct aq_plugin *p, const char *file,
			enum aq_concern c)
{
	if (p->abi_version != AQ_PLUGIN_ABI_VERSION)
		return aq_error("plugin '%s' was built for ABI version %u, "
				"this aq needs version %u", file,
				p->abi_version, AQ_PLUGIN_ABI_VERSION);
	if (p->concern != c)
		return aq_error("plugin '%s' serves '%s', not '%s'", file,
				aq_concern_name(p->concern),
				aq_concern_name(c));
	if (!p->name || !p->name[0])
		return aq_error("plugin '%s' has no name", file);
	return 0;
}

static int load_plugin(enum aq_concern c)
{
	struct loaded *l = &loaded[c];
	const struct aq_plugin *p;
	const char *name;
	void *h;

	name = aq_config_get("plugins", concern_names[c]);
	if (!name || !*name)
		name = default_plugins[c];
	if (find_plugin(name, l->file) < 0)
		return aq_error_wrap("cannot load the %s plugin",
				     concern_names[c]);
	h = dlopen(l->file, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return aq_error("cannot load plugin '%s': %s", l->file,
				dlerror());
	p = dlsym(h, AQ_PLUGIN_SYMBOL);
	if (!p) {
		dlclose(h);
		return aq_error("plugin '%s' does not export '%s'", l->file,
				AQ_PLUGIN_SYMBOL);
	}
	aq_error_clear();
	if (check_plugin(p, l->file, c) < 0 ||
	    (p->init && p->init(&host) < 0)) {
		if (!aq_error_last()[0])
			aq_error("plugin '%s' failed to start", l->file);
		dlclose(h);
		return -1;
	}
	l->plugin = p;
	l->handle = h;
	return 0;
}

const struct aq_plugin *aq_plugin_get(enum aq_concern c)
{
	if (c >= AQ_CONCERN_COUNT)
		return NULL;
	if (!loaded[c].plugin && load_plugin(c) < 0)
		return NULL;
	return loaded[c].plugin;
}

int aq_plugins_load_all(void)
{
	for (int c = 0; c < AQ_CONCERN_COUNT; c++)
		if (!aq_plugin_get(c))
			return -1;
	return 0;
}

const char *aq_plugin_file(enum aq_concern c)
{
	return c < AQ_CONCERN_COUNT ? loaded[c].file : "";
}

void aq_plugins_unload(void)
{
	for (int c = 0; c < AQ_CONCERN_COUNT; c++) {
		struct loaded *l = &loaded[c];

		if (!l->plugin)
			continue;
		if (l->plugin->fini)
			l->plugin->fini();
		/*
		 * Not dlclose()d: a library a plugin pulled in may have
		 * registered atexit handlers that live in its text.
		 */
		l->plugin = NULL;
	}
}

/* --- hook wrappers --- */

static int unsupported(enum aq_concern c, const char *hook)
{
	aq_error("the %s plugin '%s' does not support %s", concern_names[c],
		 loaded[c].plugin->name, hook);
	return AQ_ENOTSUP;
}

/* Fetch the plugin for concern C and bail out unless it has HOOK. */
#define HOOK(C, HOOK_NAME)						\
	const struct aq_plugin *p = aq_plugin_get(C);			\
	if (!p)								\
		return -1;						\
	if (!p->HOOK_NAME)						\
		return unsupported(C, #HOOK_NAME)

int aq_call_fetch_image(const struct aq_image_request *req,
			struct aq_image *out)
{
	HOOK(AQ_CONCERN_FETCH, fetch_image);
	return p->fetch_image(req, out);
}

int aq_call_disk_create(const struct aq_vm *vm)
{
	HOOK(AQ_CONCERN_DISK, disk_create);
	return p->disk_create(vm);
}

int aq_call_disk_seed(const char *path, const char *label,
		      const struct aq_seed_file *files, size_t n)
{
	HOOK(AQ_CONCERN_DISK, disk_seed);
	return p->disk_seed(path, label, files, n);
}

int aq_call_disk_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	HOOK(AQ_CONCERN_DISK, disk_qemu_args);
	return p->disk_qemu_args(vm, argv);
}

int aq_call_net_mac_new(char out[AQ_MAC_LEN])
{
	HOOK(AQ_CONCERN_NET, net_mac_new);
	return p->net_mac_new(out);
}

int aq_call_net_port_check(const char *proto, const char *addr, int port)
{
	HOOK(AQ_CONCERN_NET, net_port_check);
	return p->net_port_check(proto, addr, port);
}

int aq_call_net_port_pick(const char *addr)
{
	HOOK(AQ_CONCERN_NET, net_port_pick);
	return p->net_port_pick(addr);
}

int aq_call_net_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	HOOK(AQ_CONCERN_NET, net_qemu_args);
	return p->net_qemu_args(vm, argv);
}

int aq_call_console_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	HOOK(AQ_CONCERN_CONSOLE, console_qemu_args);
	return p->console_qemu_args(vm, argv);
}

int aq_call_console_attach(const struct aq_vm *vm)
{
	HOOK(AQ_CONCERN_CONSOLE, console_attach);
	return p->console_attach(vm);
}

int aq_call_exec_key(char *pubkey, size_t len)
{
	HOOK(AQ_CONCERN_EXEC, exec_key);
	return p->exec_key(pubkey, len);
}

int aq_call_exec_ready(const struct aq_vm *vm)
{
	HOOK(AQ_CONCERN_EXEC, exec_ready);
	return p->exec_ready(vm);
}

int aq_call_exec_run(const struct aq_vm *vm, int argc,
		     const char *const argv[], unsigned int flags,
		     int *status)
{
	HOOK(AQ_CONCERN_EXEC, exec_run);
	return p->exec_run(vm, argc, argv, flags, status);
}

int aq_call_exec_quiet(const struct aq_vm *vm, int argc,
		       const char *const argv[], int *status)
{
	int saved[3], null, ret;

	null = open("/dev/null", O_RDWR);
	if (null < 0)
		return aq_error_errno("cannot open /dev/null");
	fflush(NULL);
	for (int fd = 0; fd < 3; fd++) {
		saved[fd] = dup(fd);
		dup2(null, fd);
	}
	ret = aq_call_exec_run(vm, argc, argv, AQ_EXEC_NO_STDIN, status);
	for (int fd = 0; fd < 3; fd++) {
		if (saved[fd] >= 0) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		}
	}
	close(null);
	return ret;
}

int aq_call_exec_ssh_config(const struct aq_vm *vm, FILE *out)
{
	HOOK(AQ_CONCERN_EXEC, exec_ssh_config);
	return p->exec_ssh_config(vm, out);
}

int aq_call_exec_disconnect(const struct aq_vm *vm)
{
	HOOK(AQ_CONCERN_EXEC, exec_disconnect);
	return p->exec_disconnect(vm);
}
