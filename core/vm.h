/*
 * A VM's persistent state: its directory under $AQ_HOME/vms and vm.ini.
 *
 * vm.ini is written only whole (atomically) and read against a schema, so
 * a hand-edited file with a typo is refused with file, line and reason.
 */
#ifndef AQ_VM_H
#define AQ_VM_H

#include <stddef.h>
#include <sys/types.h>

#include "aq/plugin.h"
#include "util.h"

#define AQ_MAX_FORWARDS 32

struct vm {
	char name[AQ_NAME_MAX + 1];
	char dir[AQ_PATH_MAX];
	char arch[16];
	int cpus;
	int memory_mib;
	long long disk_bytes;
	char mac[AQ_MAC_LEN];
	int ssh_port;
	struct aq_forward forwards[AQ_MAX_FORWARDS];
	size_t nforwards;
	char image[AQ_PATH_MAX];	/* the base image (backing file) */
	char image_version[32];
	char definition[168];		/* the image definition's name */
	char created[32];
	char accel[8];			/* chosen at start, not stored */
};

/* Check a VM name: [a-z0-9][a-z0-9-]*, at most AQ_NAME_MAX long. */
int vm_name_valid(const char *name);

/* $AQ_HOME/vms, created if missing. */
int vm_root(char *out, size_t len);

/*
 * Load VM name.  Returns AQ_ENOTFOUND with "no VM named 'x'" recorded if
 * there is none.
 */
int vm_load(const char *name, struct vm *out);

/* Load the vm.ini in dir (which need not be under vms/ yet). */
int vm_load_dir(const char *dir, struct vm *out);

/* Write vm->dir/vm.ini. */
int vm_save(const struct vm *vm);

/* Path of one of the VM's files (AQ_VM_*). */
int vm_file(const struct vm *vm, const char *file, char *out, size_t len);

/* The QEMU pid if the VM is running, else 0. */
pid_t vm_pid(const struct vm *vm);

/* Remove the runtime files a dead QEMU left behind. */
void vm_clean_runtime(const struct vm *vm);

/*
 * The names of all VMs, sorted.  *names is a NULL-terminated array the
 * caller frees with aq_names_free().
 */
int vm_list(char ***names, size_t *n);

/* The ABI view of vm for plugin hooks; borrows from vm. */
void vm_to_abi(const struct vm *vm, struct aq_vm *out);

#endif
