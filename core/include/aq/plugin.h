/*
 * aq plugin ABI
 *
 * This header is the whole contract between the aq core and a plugin.
 * A plugin is a shared object (".so" on Linux, ".dylib" on macOS) that
 * exports exactly one symbol, AQ_PLUGIN_SYMBOL, a const struct aq_plugin.
 * The core opens it with dlopen(RTLD_NOW | RTLD_LOCAL), checks that
 * abi_version equals AQ_PLUGIN_ABI_VERSION and refuses the file otherwise,
 * then calls init() once before any other hook and fini() once at exit.
 *
 * Each plugin serves one concern (fetch, disk, net, console, exec) and
 * fills only that concern's hooks; every other hook stays NULL.  The core
 * calls a hook only through a wrapper that reports "not supported" for a
 * NULL hook, so a plugin may leave optional hooks out.
 *
 * Conventions every hook follows:
 *  - Return 0 on success, -1 on failure (or a negative AQ_E* code where a
 *    hook's comment says so).  On failure the hook has called
 *    host->error() exactly once with a message naming what failed and why;
 *    the core prints it.  Out-parameters are written only on success.
 *  - Strings passed in are borrowed for the duration of the call.  Strings
 *    a hook returns through a caller-supplied buffer are NUL-terminated
 *    and truncation is an error.
 *  - aq is single-threaded: hooks are never called concurrently.  A plugin
 *    may start threads internally but must join them before returning.
 *  - A plugin never calls exit() and never writes to stdout except where a
 *    hook's purpose is to produce the command's output.
 *
 * ABI versioning: AQ_PLUGIN_ABI_VERSION changes whenever any struct in this
 * file changes layout or meaning.  There is no partial compatibility.
 */
#ifndef AQ_PLUGIN_H
#define AQ_PLUGIN_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AQ_PLUGIN_ABI_VERSION 1
#define AQ_PLUGIN_SYMBOL "aq_plugin"

/* Error codes a hook may return besides -1. */
#define AQ_ENOTSUP  -2	/* hook or capability not provided */
#define AQ_ENOTFOUND -3	/* the thing asked for does not exist */
#define AQ_ETIMEOUT -4	/* gave up waiting */
#define AQ_ENOTREADY -5	/* not yet: try again later (exec.ready) */

/* Length limits of fixed buffers in this ABI. */
#define AQ_PATH_MAX 4096
#define AQ_NAME_MAX 48		/* a VM name, without the NUL */
#define AQ_MAC_LEN 18		/* "52:54:00:12:34:56" plus NUL */
#define AQ_DIGEST_HEX 129	/* sha512 in hex plus NUL */

/* Files inside a VM's directory (struct aq_vm.dir). */
#define AQ_VM_CONFIG "vm.ini"
#define AQ_VM_DISK "disk.qcow2"
#define AQ_VM_SEED "seed.iso"
#define AQ_VM_PIDFILE "qemu.pid"
#define AQ_VM_QMP "qmp.sock"
#define AQ_VM_MONITOR "control.sock"	/* HMP, for humans */
#define AQ_VM_CONSOLE "console.sock"	/* serial port 0 */
#define AQ_VM_CONSOLE_LOG "console.log"
#define AQ_VM_QEMU_LOG "qemu.log"
#define AQ_VM_KNOWN_HOSTS "known_hosts"
#define AQ_VM_SSH_CONTROL "ssh.sock"	/* OpenSSH ControlPath */

enum aq_concern {
	AQ_CONCERN_FETCH,
	AQ_CONCERN_DISK,
	AQ_CONCERN_NET,
	AQ_CONCERN_CONSOLE,
	AQ_CONCERN_EXEC,
	AQ_CONCERN_COUNT
};

enum aq_log_level {
	AQ_LOG_DEBUG,	/* shown with -v or AQ_DEBUG=1 */
	AQ_LOG_INFO,	/* progress chatter; hidden by -q */
	AQ_LOG_WARN	/* always shown */
};

/* A port forward from the host to the guest. */
struct aq_forward {
	char proto[4];		/* "tcp" or "udp" */
	char host_addr[64];	/* numeric address; "127.0.0.1" by default */
	int host_port;
	int guest_port;
};

/*
 * One VM as the core knows it.  All pointers are owned by the core and
 * valid for the duration of the hook call.
 */
struct aq_vm {
	const char *name;
	const char *dir;	/* absolute; holds the AQ_VM_* files */
	const char *arch;	/* "x86_64" or "aarch64" */
	const char *accel;	/* "kvm", "hvf" or "tcg" */
	int cpus;
	int memory_mib;
	long long disk_bytes;	/* virtual size the guest sees */
	const char *mac;
	int ssh_port;		/* host port forwarded to guest port 22 */
	const struct aq_forward *forwards;	/* user forwards, no SSH */
	size_t nforwards;
	const char *base_image;	/* path of the read-only backing file */
};

/*
 * A growable argument vector the core hands to qemu_args hooks; hooks
 * append with host->argv_add().  Opaque to plugins.
 */
struct aq_argv;

/* A file to put on the NoCloud seed. */
struct aq_seed_file {
	const char *name;	/* "meta-data", "user-data", ... */
	const char *data;
	size_t len;
};

/* What the fetch plugin is asked to provide. */
struct aq_image_request {
	const char *mirror;	/* base URL: http(s)://, file:// */
	const char *arch;	/* "x86_64" or "aarch64" */
	const char *firmware;	/* "bios" or "uefi" */
	const char *variant;	/* "tiny" or "cloudinit" */
	const char *cache_dir;	/* where verified images are kept */
	int refresh;		/* re-resolve even when a cached image exists */
};

/* What the fetch plugin found: a verified image in the cache. */
struct aq_image {
	char path[AQ_PATH_MAX];	/* absolute path in cache_dir */
	char version[32];	/* Alpine release, e.g. "3.22.1" */
	char file[256];		/* published file name */
	char sha512[AQ_DIGEST_HEX];
};

/* Flags for exec hooks. */
enum aq_exec_flags {
	AQ_EXEC_TTY = 1 << 0,		/* allocate a terminal in the guest */
	AQ_EXEC_NO_STDIN = 1 << 1	/* guest stdin is /dev/null */
};

/*
 * Services the core offers a plugin.  Passed to init(); the pointer stays
 * valid until fini() returns.
 */
struct aq_host {
	unsigned int abi_version;

	/* Print a message on stderr at the given level ("aq: " prefixed). */
	void (*log)(enum aq_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 2, 3)))
#endif
		;

	/*
	 * Record the error of the current operation and return -1, so a
	 * hook can fail with `return host->error("...", ...);`.  The
	 * message is lowercase, without trailing period or newline.
	 */
	int (*error)(const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 1, 2)))
#endif
		;

	/* A value of the global config ($AQ_CONFIG), or NULL. Borrowed. */
	const char *(*config)(const char *section, const char *key);

	/* aq's data directory ($AQ_HOME), absolute, no trailing slash. */
	const char *(*home)(void);

	/* Append one argument to a QEMU command line being built. */
	int (*argv_add)(struct aq_argv *argv, const char *arg);

	/*
	 * Run a program (argv[0] searched in PATH) with stdin from /dev/null
	 * and stdout discarded, and wait for it.  Returns its exit status
	 * (0..255), or -1 if it could not run or died by a signal, in which
	 * case the error is recorded.  When the status is non-zero, the
	 * last line of its stderr is copied into errbuf (if not NULL) so the
	 * caller can make it part of its own message.
	 */
	int (*run)(const char *const argv[], char *errbuf, size_t errlen);

	/* Non-zero when stderr is a terminal and progress may be drawn. */
	int (*interactive)(void);
};

struct aq_plugin {
	unsigned int abi_version;	/* AQ_PLUGIN_ABI_VERSION */
	const char *name;		/* short, e.g. "curl" */
	enum aq_concern concern;
	const char *description;	/* one line for `aq plugins` */

	int (*init)(const struct aq_host *host);
	void (*fini)(void);

	/* --- fetch --- */

	/*
	 * Make sure a verified image matching req is in req->cache_dir and
	 * describe it in *out.  Downloads only what is missing; a partial
	 * download is resumed; the digest is checked before the file gets
	 * its final name.  Concurrent callers on one cache download once.
	 */
	int (*fetch_image)(const struct aq_image_request *req,
			   struct aq_image *out);

	/* --- disk --- */

	/*
	 * Create vm->dir/AQ_VM_DISK as a qcow2 overlay on vm->base_image
	 * with virtual size vm->disk_bytes (never smaller than the base).
	 */
	int (*disk_create)(const struct aq_vm *vm);

	/* Write an ISO 9660 image at path with the given volume label. */
	int (*disk_seed)(const char *path, const char *label,
			 const struct aq_seed_file *files, size_t nfiles);

	/* Append the -drive/-device arguments for the disk and the seed. */
	int (*disk_qemu_args)(const struct aq_vm *vm, struct aq_argv *argv);

	/* --- net --- */

	/* Write a new random locally administered unicast MAC. */
	int (*net_mac_new)(char out[AQ_MAC_LEN]);

	/*
	 * Check that a host port can be bound now.  Returns 0 if free, -1
	 * with the error recorded if it is in use or invalid.
	 */
	int (*net_port_check)(const char *proto, const char *addr, int port);

	/* Return a free TCP port on addr chosen by the system, or -1. */
	int (*net_port_pick)(const char *addr);

	/* Append -netdev/-device arguments for user networking + forwards. */
	int (*net_qemu_args)(const struct aq_vm *vm, struct aq_argv *argv);

	/* --- console --- */

	/* Append -chardev/-serial arguments for the serial console. */
	int (*console_qemu_args)(const struct aq_vm *vm, struct aq_argv *argv);

	/*
	 * Attach the calling terminal to the VM's serial console until the
	 * user types the escape, or the VM goes away.  Restores the terminal
	 * on every path, signals included.
	 */
	int (*console_attach)(const struct aq_vm *vm);

	/* --- exec --- */

	/*
	 * Make sure aq's own SSH key exists (create it once) and write its
	 * public half, one line without newline, into pubkey.
	 */
	int (*exec_key)(char *pubkey, size_t len);

	/*
	 * Probe once whether root's key login works.  Returns 0 when ready,
	 * AQ_ENOTREADY when not yet (no error recorded), -1 on a hard error.
	 */
	int (*exec_ready)(const struct aq_vm *vm);

	/*
	 * Run argv (joined into one remote command line, each word quoted)
	 * in the guest as root, or an interactive login shell when argc is
	 * 0.  stdin, stdout and stderr are the caller's.  *status gets the
	 * guest command's exit status (255 when SSH itself failed).
	 */
	int (*exec_run)(const struct aq_vm *vm, int argc,
			const char *const argv[], unsigned int flags,
			int *status);

	/* Print an OpenSSH client config block for the VM to out. */
	int (*exec_ssh_config)(const struct aq_vm *vm, FILE *out);

	/* Close the VM's persistent SSH connection, if any. */
	int (*exec_disconnect)(const struct aq_vm *vm);
};

#ifdef __cplusplus
}
#endif

#endif /* AQ_PLUGIN_H */
