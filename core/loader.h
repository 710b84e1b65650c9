/*
 * Finding, loading and calling plugins.
 *
 * Each concern is served by one plugin, loaded the first time the core
 * needs that concern.  Which file serves it:
 *   1. [plugins] CONCERN = NAME or /path/to/file.so in $AQ_CONFIG, else
 *      the built-in default (fetch-curl, disk-qemu, net-user,
 *      console-serial, exec-ssh);
 *   2. a NAME is looked up as NAME.so (.dylib on macOS) in each directory
 *      of $AQ_PLUGIN_PATH, then $AQ_HOME/plugins, then the build tree
 *      when this aq runs from it, then the installed plugin directory.
 * The core calls hooks only through the aq_call_* wrappers below, which
 * load the plugin and answer AQ_ENOTSUP with an error recorded when the
 * plugin lacks the hook.
 */
#ifndef AQ_LOADER_H
#define AQ_LOADER_H

#include <stdio.h>

#include "aq/plugin.h"
#include "error.h"

/* An argument vector under construction (struct aq_argv in the ABI). */
struct aq_argv {
	char **v;	/* NULL-terminated once anything was added */
	size_t n;
	size_t cap;
};

#define AQ_ARGV_INIT { NULL, 0, 0 }

int aq_argv_add(struct aq_argv *argv, const char *arg);
int aq_argv_addf(struct aq_argv *argv, const char *fmt, ...) AQ_PRINTF(2, 3);
void aq_argv_release(struct aq_argv *argv);

/* Remember how aq was invoked, to know whether it runs from the build. */
void aq_loader_init(const char *argv0);

/* Non-zero when this aq is the binary in the build tree. */
int aq_running_from_build(void);

/* "fetch", "disk", ... */
const char *aq_concern_name(enum aq_concern c);

/* The plugin serving c when [plugins] does not say: "fetch-curl", ... */
const char *aq_plugin_default(enum aq_concern c);

/* The plugin for c, loaded on first use; NULL with an error recorded. */
const struct aq_plugin *aq_plugin_get(enum aq_concern c);

/*
 * Load every concern's plugin now, so that a broken or mismatched plugin
 * stops a command before it has done any work.
 */
int aq_plugins_load_all(void);

/* The file the plugin for c was loaded from (after aq_plugin_get). */
const char *aq_plugin_file(enum aq_concern c);

/* Call every loaded plugin's fini() and close it. */
void aq_plugins_unload(void);

int aq_call_fetch_image(const struct aq_image_request *req,
			struct aq_image *out);
int aq_call_disk_create(const struct aq_vm *vm);
int aq_call_disk_seed(const char *path, const char *label,
		      const struct aq_seed_file *files, size_t n);
int aq_call_disk_qemu_args(const struct aq_vm *vm, struct aq_argv *argv);
int aq_call_net_mac_new(char out[AQ_MAC_LEN]);
int aq_call_net_port_check(const char *proto, const char *addr, int port);
int aq_call_net_port_pick(const char *addr);
int aq_call_net_qemu_args(const struct aq_vm *vm, struct aq_argv *argv);
int aq_call_console_qemu_args(const struct aq_vm *vm, struct aq_argv *argv);
int aq_call_console_attach(const struct aq_vm *vm);
int aq_call_exec_key(char *pubkey, size_t len);
int aq_call_exec_ready(const struct aq_vm *vm);
int aq_call_exec_run(const struct aq_vm *vm, int argc,
		     const char *const argv[], unsigned int flags,
		     int *status);
/*
 * aq_call_exec_run with the guest's output discarded and no stdin, for
 * commands aq runs on its own behalf (poweroff, a clone's new hostname).
 */
int aq_call_exec_quiet(const struct aq_vm *vm, int argc,
		       const char *const argv[], int *status);
int aq_call_exec_ssh_config(const struct aq_vm *vm, FILE *out);
int aq_call_exec_disconnect(const struct aq_vm *vm);

#endif
