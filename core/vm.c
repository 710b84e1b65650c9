/*
 * Loading, saving and listing VMs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "inifile.h"
#include "platform.h"
#include "portspec.h"
#include "util.h"
#include "vm.h"
#include "banned.h"

static const struct aq_ini_key vm_schema[] = {
	{ "vm", "name", 0 },
	{ "vm", "arch", 0 },
	{ "vm", "cpus", 0 },
	{ "vm", "memory", 0 },
	{ "vm", "disk", 0 },
	{ "vm", "mac", 0 },
	{ "vm", "ssh_port", 0 },
	{ "vm", "forward", AQ_INI_MULTI },
	{ "vm", "image", 0 },
	{ "vm", "image_version", 0 },
	{ "vm", "definition", 0 },
	{ "vm", "created", 0 },
	{ NULL, NULL, 0 }
};

int vm_name_valid(const char *name)
{
	return aq_name_valid("VM name", name, AQ_NAME_MAX);
}

int vm_root(char *out, size_t len)
{
	return aq_home_dir("vms", out, len);
}

static int vm_copy(char *dst, size_t len, const char *v, const char *file,
		   const char *key)
{
	if (!v || !*v)
		return aq_error("%s: missing key '%s'", file, key);
	if (strlen(v) >= len)
		return aq_error("%s: value of '%s' is too long", file, key);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int vm_int(const struct aq_ini *ini, const char *file, const char *key,
		  long min, long max, long *out)
{
	const char *v = aq_ini_get(ini, "vm", key);

	if (!v)
		return aq_error("%s: missing key '%s'", file, key);
	if (aq_parse_long(v, min, max, out) < 0)
		return aq_error_wrap("%s: bad value for '%s'", file, key);
	return 0;
}

static int vm_forwards(const struct aq_ini *ini, const char *file,
		       struct vm *vm)
{
	for (size_t i = 0; i < ini->n; i++) {
		if (strcmp(ini->entries[i].key, "forward"))
			continue;
		if (vm->nforwards == AQ_MAX_FORWARDS)
			return aq_error("%s: more than %d forwards", file,
					AQ_MAX_FORWARDS);
		if (aq_portspec_parse(ini->entries[i].value,
				      &vm->forwards[vm->nforwards++]) < 0)
			return aq_error_wrap("%s", file);
	}
	return 0;
}

static int vm_from_ini(const struct aq_ini *ini, const char *file,
		       struct vm *vm)
{
	const char *v;
	long n;

	if (vm_copy(vm->name, sizeof(vm->name), aq_ini_get(ini, "vm", "name"),
		    file, "name") < 0 ||
	    vm_copy(vm->arch, sizeof(vm->arch), aq_ini_get(ini, "vm", "arch"),
		    file, "arch") < 0 ||
	    vm_copy(vm->mac, sizeof(vm->mac), aq_ini_get(ini, "vm", "mac"),
		    file, "mac") < 0 ||
	    vm_copy(vm->image, sizeof(vm->image),
		    aq_ini_get(ini, "vm", "image"), file, "image") < 0)
		return -1;
	if (vm_int(ini, file, "cpus", 1, 256, &n) < 0)
		return -1;
	vm->cpus = (int)n;
	if (vm_int(ini, file, "memory", 16, 1L << 22, &n) < 0)
		return -1;
	vm->memory_mib = (int)n;
	if (vm_int(ini, file, "ssh_port", 1, 65535, &n) < 0)
		return -1;
	vm->ssh_port = (int)n;
	v = aq_ini_get(ini, "vm", "disk");
	if (!v || aq_parse_size(v, 1, &vm->disk_bytes) < 0)
		return aq_error("%s: bad or missing value for 'disk'", file);
	v = aq_ini_get(ini, "vm", "image_version");
	snprintf(vm->image_version, sizeof(vm->image_version), "%s",
		 v ? v : "");
	v = aq_ini_get(ini, "vm", "definition");
	snprintf(vm->definition, sizeof(vm->definition), "%s",
		 v ? v : "alpine");
	v = aq_ini_get(ini, "vm", "created");
	snprintf(vm->created, sizeof(vm->created), "%s", v ? v : "");
	return vm_forwards(ini, file, vm);
}

int vm_load_dir(const char *dir, struct vm *out)
{
	struct aq_ini ini = AQ_INI_INIT;
	char file[AQ_PATH_MAX];
	struct vm *vm;
	int ret = -1;

	if (aq_path(file, sizeof(file), "%s/%s", dir, AQ_VM_CONFIG) < 0)
		return -1;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return aq_error("out of memory");
	if (aq_ini_load(file, vm_schema, &ini) < 0)
		goto out;
	if (vm_from_ini(&ini, file, vm) < 0 ||
	    aq_path(vm->dir, sizeof(vm->dir), "%s", dir) < 0)
		goto out;
	*out = *vm;
	ret = 0;
out:
	aq_ini_release(&ini);
	free(vm);
	return ret;
}

int vm_load(const char *name, struct vm *out)
{
	char dir[AQ_PATH_MAX];
	char root[AQ_PATH_MAX];

	if (vm_name_valid(name) < 0)
		return -1;
	if (vm_root(root, sizeof(root)) < 0 ||
	    aq_path(dir, sizeof(dir), "%s/%s", root, name) < 0)
		return -1;
	if (!aq_exists(dir)) {
		aq_error("no VM named '%s'", name);
		return AQ_ENOTFOUND;
	}
	if (vm_load_dir(dir, out) < 0)
		return -1;
	if (strcmp(out->name, name))
		return aq_error("%s/%s: name '%s' does not match its directory",
				dir, AQ_VM_CONFIG, out->name);
	return 0;
}

int vm_save(const struct vm *vm)
{
	struct aq_buf b = AQ_BUF_INIT;
	char file[AQ_PATH_MAX];
	char fwd[128];
	int ret = -1;

	if (aq_path(file, sizeof(file), "%s/%s", vm->dir, AQ_VM_CONFIG) < 0)
		return -1;
	if (aq_buf_addf(&b, "# aq VM; written by aq, read with inih\n"
			"[vm]\nname = %s\narch = %s\ncpus = %d\n"
			"memory = %d\ndisk = %lld\nmac = %s\nssh_port = %d\n"
			"image = %s\nimage_version = %s\ndefinition = %s\n"
			"created = %s\n", vm->name, vm->arch, vm->cpus,
			vm->memory_mib, vm->disk_bytes, vm->mac, vm->ssh_port,
			vm->image, vm->image_version, vm->definition,
			vm->created) < 0)
		goto out;
	for (size_t i = 0; i < vm->nforwards; i++)
		if (aq_portspec_format(&vm->forwards[i], fwd, sizeof(fwd)) < 0 ||
		    aq_buf_addf(&b, "forward = %s\n", fwd) < 0)
			goto out;
	ret = aq_write_file_atomic(file, b.s, b.len, 0600);
out:
	aq_buf_release(&b);
	return ret;
}

int vm_file(const struct vm *vm, const char *file, char *out, size_t len)
{
	return aq_path(out, len, "%s/%s", vm->dir, file);
}

pid_t vm_pid(const struct vm *vm)
{
	struct aq_buf b = AQ_BUF_INIT;
	char file[AQ_PATH_MAX];
	long pid = 0;

	if (vm_file(vm, AQ_VM_PIDFILE, file, sizeof(file)) < 0 ||
	    !aq_exists(file))
		return 0;
	if (aq_read_file(file, &b) == 0) {
		aq_rtrim(b.s);
		if (aq_parse_long(b.s, 1, 1L << 30, &pid) < 0)
			pid = 0;
	}
	aq_buf_release(&b);
	aq_error_clear();
	if (pid > 0 && !platform_process_alive((pid_t)pid))
		pid = 0;
	return (pid_t)pid;
}

void vm_clean_runtime(const struct vm *vm)
{
	static const char *const files[] = {
		AQ_VM_PIDFILE, AQ_VM_QMP, AQ_VM_MONITOR, AQ_VM_CONSOLE,
		AQ_VM_SSH_CONTROL
	};
	char path[AQ_PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (vm_file(vm, files[i], path, sizeof(path)) == 0)
			unlink(path);
}

int vm_list(char ***names, size_t *count)
{
	char root[AQ_PATH_MAX];

	if (vm_root(root, sizeof(root)) < 0)
		return -1;
	return aq_list_names(root, vm_name_valid, names, count);
}

void vm_to_abi(const struct vm *vm, struct aq_vm *out)
{
	memset(out, 0, sizeof(*out));
	out->name = vm->name;
	out->dir = vm->dir;
	out->arch = vm->arch;
	out->accel = vm->accel[0] ? vm->accel : "tcg";
	out->cpus = vm->cpus;
	out->memory_mib = vm->memory_mib;
	out->disk_bytes = vm->disk_bytes;
	out->mac = vm->mac;
	out->ssh_port = vm->ssh_port;
	out->forwards = vm->forwards;
	out->nforwards = vm->nforwards;
	out->base_image = vm->image;
}
