/*
 * Pure helpers of the qemu-img disk plugin: the -drive/-device arguments
 * QEMU gets for a VM's disk and seed, human-readable sizes for messages,
 * and the reader for `qemu-img info --output=json`.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "disk_args.h"

/* An escaped path can double in length; the options around it are short. */
#define DISK_OPT_MAX (2 * AQ_PATH_MAX + 128)

int disk_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in; in++) {
		size_t need = *in == ',' ? 2 : 1;

		if (n + need >= len)
			return -1;
		out[n++] = *in;
		if (*in == ',')
			out[n++] = ',';
	}
	if (n >= len)
		return -1;
	out[n] = '\0';
	return 0;
}

int disk_cache_valid(const char *mode)
{
	static const char *const modes[] = {
		"writeback", "writethrough", "none", "directsync", "unsafe"
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i]) == 0)
			return 1;
	return 0;
}

/*
 * QEMU takes "name:rest" as a protocol prefix unless a '/' comes first,
 * so only an absolute path is safe to hand over as it is.
 */
static int disk_file_opt(const struct aq_host *host, const struct aq_vm *vm,
			 const char *file, char *out, size_t len)
{
	char path[AQ_PATH_MAX];
	int n;

	if (vm->dir[0] != '/')
		return host->error("cannot use VM directory '%s': "
				   "not an absolute path", vm->dir);
	n = snprintf(path, sizeof(path), "%s/%s", vm->dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return host->error("cannot use '%s/%s': path too long",
				   vm->dir, file);
	if (disk_escape(path, out, len) < 0)
		return host->error("cannot use '%s': path too long", path);
	return 0;
}

static int disk_add_pair(const struct aq_host *host, struct aq_argv *argv,
			 const char *opt, const char *arg)
{
	if (host->argv_add(argv, opt) < 0 || host->argv_add(argv, arg) < 0)
		return -1;
	return 0;
}

static int disk_add_disk(const struct aq_host *host, const struct aq_vm *vm,
			 const char *cache, struct aq_argv *argv)
{
	char file[DISK_OPT_MAX];
	char drive[DISK_OPT_MAX + 128];
	int n;

	if (disk_file_opt(host, vm, AQ_VM_DISK, file, sizeof(file)) < 0)
		return -1;
	n = snprintf(drive, sizeof(drive), "file=%s,if=none,id=disk0,"
		     "format=qcow2,discard=unmap,cache=%s", file, cache);
	if (n < 0 || (size_t)n >= sizeof(drive))
		return host->error("cannot build the disk option of '%s'",
				   vm->name);
	if (disk_add_pair(host, argv, "-drive", drive) < 0)
		return -1;
	return disk_add_pair(host, argv, "-device",
			     "virtio-blk-pci,drive=disk0,bootindex=0");
}

static int disk_add_seed(const struct aq_host *host, const struct aq_vm *vm,
			 struct aq_argv *argv)
{
	char file[DISK_OPT_MAX];
	char drive[DISK_OPT_MAX + 128];
	int n;

	if (disk_file_opt(host, vm, AQ_VM_SEED, file, sizeof(file)) < 0)
		return -1;
	n = snprintf(drive, sizeof(drive), "file=%s,if=none,id=seed0,"
		     "format=raw,readonly=on", file);
	if (n < 0 || (size_t)n >= sizeof(drive))
		return host->error("cannot build the seed option of '%s'",
				   vm->name);
	if (disk_add_pair(host, argv, "-drive", drive) < 0)
		return -1;
	return disk_add_pair(host, argv, "-device",
			     "virtio-blk-pci,drive=seed0");
}

int disk_args_build(const struct aq_host *host, const struct aq_vm *vm,
		    const char *cache, int with_seed, struct aq_argv *argv)
{
	if (!vm->dir)
		return host->error("cannot start '%s': no VM directory",
				   vm->name);
	if (!disk_cache_valid(cache))
		return host->error("unknown disk cache mode '%s' (want "
				   "writeback, writethrough, none, directsync "
				   "or unsafe)", cache);
	if (disk_add_disk(host, vm, cache, argv) < 0)
		return -1;
	if (with_seed && disk_add_seed(host, vm, argv) < 0)
		return -1;
	return 0;
}

void disk_size_human(long long bytes, char *out, size_t len)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	const size_t last = sizeof(units) / sizeof(units[0]) - 1;
	unsigned long long v, unit = 1, whole, tenths;
	size_t u = 0;

	if (len == 0)
		return;
	if (bytes < 0) {
		snprintf(out, len, "%lld B", bytes);
		return;
	}
	v = (unsigned long long)bytes;
	for (; u < last && v / unit >= 1024; u++)
		unit *= 1024;
	whole = v / unit;
	tenths = ((v % unit) * 10 + unit / 2) / unit;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	/* 1048575 bytes reads better as "1 MiB" than "1024 KiB". */
	if (whole == 1024 && u < last) {
		whole = 1;
		u++;
	}
	if (tenths)
		snprintf(out, len, "%llu.%llu %s", whole, tenths, units[u]);
	else
		snprintf(out, len, "%llu %s", whole, units[u]);
}

int disk_info_parse(const char *json, size_t len, long long *vsize,
		    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *format;
	json_int_t size;
	int ret = -1;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "unreadable qemu-img output: %s",
			 jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "qemu-img output is not an object");
		goto out;
	}
	v = json_object_get(root, "format");
	format = json_string_value(v);
	if (v && (!format || strcmp(format, "qcow2") != 0)) {
		snprintf(err, errlen, "not a qcow2 image (format '%s')",
			 format ? format : "?");
		goto out;
	}
	v = json_object_get(root, "virtual-size");
	if (!json_is_integer(v) || (size = json_integer_value(v)) <= 0) {
		snprintf(err, errlen, "qemu-img gave no virtual size");
		goto out;
	}
	*vsize = size;
	ret = 0;
out:
	json_decref(root);
	return ret;
}
