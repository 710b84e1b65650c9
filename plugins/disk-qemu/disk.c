/*
 * The disk plugin "qemu-img": each VM's disk is a qcow2 overlay on the
 * cached base image, grown to the VM's size before its first boot, and
 * its NoCloud seed is a small ISO image beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aq/plugin.h"
#include "disk_args.h"
#include "disk_seed.h"
#include "disk_spawn.h"

static const struct aq_host *disk_host;

static int disk_init(const struct aq_host *host)
{
	disk_host = host;
	return 0;
}

static void disk_fini(void)
{
	disk_host = NULL;
}

static int disk_join(char *out, size_t len, const char *dir,
		     const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return disk_host->error("cannot use '%s/%s': path too long",
					dir, name);
	return 0;
}

/*
 * The overlay records the backing path as given; a relative one would
 * be resolved against the overlay's directory later, so make it absolute.
 */
static int disk_absolute(const char *path, char *out, size_t len)
{
	char cwd[AQ_PATH_MAX];

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) >= len)
			return disk_host->error("cannot use '%s': path too "
						"long", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return disk_host->error("cannot resolve '%s': %s", path,
					strerror(errno));
	return disk_join(out, len, cwd, path);
}

static int disk_base_size(const char *base, long long *vsize)
{
	const char *argv[] = {
		"qemu-img", "info", "-f", "qcow2", "--output=json", base, NULL
	};
	char errline[512];
	char *json = NULL;
	size_t len = 0;
	int st, ret = -1;

	st = disk_capture(argv, &json, &len, errline, sizeof(errline));
	if (st != 0) {
		disk_host->error("cannot read image '%s': %s", base,
				 errline[0] ? errline : "qemu-img info failed");
		goto out;
	}
	if (disk_info_parse(json, len, vsize, errline, sizeof(errline)) < 0) {
		disk_host->error("cannot read image '%s': %s", base, errline);
		goto out;
	}
	ret = 0;
out:
	free(json);
	return ret;
}

/* The size to create: the VM's, or the base's when it asks for none. */
static int disk_size(const struct aq_vm *vm, const char *base,
		     long long *size)
{
	char want[32], have[32];
	long long vsize = 0;

	if (disk_base_size(base, &vsize) < 0)
		return -1;
	if (vm->disk_bytes == 0) {
		*size = vsize;
		return 0;
	}
	if (vm->disk_bytes < vsize) {
		disk_size_human(vm->disk_bytes, want, sizeof(want));
		disk_size_human(vsize, have, sizeof(have));
		if (strcmp(want, have) == 0)
			return disk_host->error("disk size %lld bytes is "
						"smaller than the image's %lld "
						"bytes", vm->disk_bytes, vsize);
		return disk_host->error("disk size %s is smaller than the "
					"image's %s", want, have);
	}
	/* qemu-img rounds it up to whole sectors itself. */
	*size = vm->disk_bytes;
	return 0;
}

/* Make the overlay at tmp; name the disk it becomes in messages. */
static int disk_overlay(const char *base, const char *tmp, const char *disk,
			long long size)
{
	char sizearg[32], errline[512];
	const char *argv[] = {
		"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
		"-b", base, tmp, sizearg, NULL
	};
	int st;

	snprintf(sizearg, sizeof(sizearg), "%lld", size);
	errline[0] = '\0';
	st = disk_host->run(argv, errline, sizeof(errline));
	if (st < 0)
		return -1;
	if (st > 0)
		return disk_host->error("cannot create '%s': %s", disk,
					errline[0] ? errline :
					"qemu-img create failed");
	return 0;
}

static int disk_create(const struct aq_vm *vm)
{
	char base[AQ_PATH_MAX], path[AQ_PATH_MAX], tmp[AQ_PATH_MAX];
	struct stat st;
	long long size = 0;
	int ret = -1;

	if (!vm->base_image || !vm->dir)
		return disk_host->error("no base image or VM directory for "
					"'%s'", vm->name);
	if (vm->disk_bytes < 0)
		return disk_host->error("invalid disk size %lld for '%s'",
					vm->disk_bytes, vm->name);
	if (disk_absolute(vm->base_image, base, sizeof(base)) < 0 ||
	    disk_join(path, sizeof(path), vm->dir, AQ_VM_DISK) < 0 ||
	    disk_join(tmp, sizeof(tmp), vm->dir, AQ_VM_DISK ".tmp") < 0)
		return -1;
	if (lstat(path, &st) == 0)
		return disk_host->error("cannot create '%s': it already "
					"exists", path);
	if (disk_size(vm, base, &size) < 0)
		return -1;
	if (disk_overlay(base, tmp, path, size) < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		disk_host->error("cannot rename '%s' to '%s': %s", tmp, path,
				 strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		unlink(tmp);
	return ret;
}

static int disk_seed(const char *path, const char *label,
		     const struct aq_seed_file *files, size_t nfiles)
{
	return disk_seed_write(disk_host, path, label, files, nfiles);
}

static int disk_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	const char *cache = disk_host->config("disk", "cache");
	char seed[AQ_PATH_MAX];
	struct stat st;
	int with_seed;

	if (!vm->dir)
		return disk_host->error("cannot start '%s': no VM directory",
					vm->name);
	if (disk_join(seed, sizeof(seed), vm->dir, AQ_VM_SEED) < 0)
		return -1;
	with_seed = stat(seed, &st) == 0;
	if (!with_seed && errno != ENOENT)
		return disk_host->error("cannot use seed '%s': %s", seed,
					strerror(errno));
	return disk_args_build(disk_host, vm, cache ? cache :
			       DISK_CACHE_DEFAULT, with_seed, argv);
}

/* The one symbol the plugin exports (it is built -fvisibility=hidden). */
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "qemu-img",
	.concern = AQ_CONCERN_DISK,
	.description = "qcow2 overlays made by qemu-img, ISO 9660 seeds",
	.init = disk_init,
	.fini = disk_fini,
	.disk_create = disk_create,
	.disk_seed = disk_seed,
	.disk_qemu_args = disk_qemu_args,
};
