/*
 * Snapshot metadata: snapshot.ini, listing, what depends on a tag, and
 * removing one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "inifile.h"
#include "lock.h"
#include "provision.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

static const struct aq_ini_key snapshot_schema[] = {
	{ "snapshot", "tag", 0 },
	{ "snapshot", "id", 0 },
	{ "snapshot", "kind", 0 },
	{ "snapshot", "parent", 0 },
	{ "snapshot", "source", 0 },
	{ "snapshot", "backing", 0 },
	{ "snapshot", "base", 0 },
	{ "snapshot", "created", 0 },
	{ "snapshot", "arch", 0 },
	{ "snapshot", "definition", 0 },
	{ "snapshot", "image_version", 0 },
	{ "snapshot", "cpus", 0 },
	{ "snapshot", "memory", 0 },
	{ "snapshot", "disk", 0 },
	{ "snapshot", "mac", 0 },
	{ "snapshot", "booted", 0 },
	{ "restore", "qemu", 0 },
	{ "restore", "machine", 0 },
	{ "restore", "accel", 0 },
	{ "restore", "cpu", 0 },
	{ "restore", "memory", 0 },
	{ "restore", "cpus", 0 },
	{ NULL, NULL, 0 }
};

int snapshot_tag_valid(const char *tag)
{
	return aq_name_valid("snapshot tag", tag, AQ_NAME_MAX);
}

int snapshot_root(char *out, size_t len)
{
	return aq_home_dir("snapshots", out, len);
}

int snapshot_file(const struct snapshot *s, const char *file, char *out,
		  size_t len)
{
	return aq_path(out, len, "%s/%s", s->dir, file);
}

static int ini_str(const struct aq_ini *ini, const char *file,
		   const char *section, const char *key, int required,
		   char *out, size_t len)
{
	const char *v = aq_ini_get(ini, section, key);

	if (!v || !*v) {
		if (required)
			return aq_error("%s: missing key '%s'", file, key);
		v = "";
	}
	if (strlen(v) >= len)
		return aq_error("%s: value of '%s' is too long", file, key);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int ini_int(const struct aq_ini *ini, const char *file,
		   const char *section, const char *key, long max, int *out)
{
	const char *v = aq_ini_get(ini, section, key);
	long n;

	if (!v)
		return aq_error("%s: missing key '%s'", file, key);
	if (aq_parse_long(v, 1, max, &n) < 0)
		return aq_error_wrap("%s: bad value for '%s'", file, key);
	*out = (int)n;
	return 0;
}

static int snapshot_from_ini(const struct aq_ini *ini, const char *file,
			     struct snapshot *s)
{
	char kind[8];
	const char *v;

	if (ini_str(ini, file, "snapshot", "tag", 1, s->tag,
		    sizeof(s->tag)) < 0 ||
	    ini_str(ini, file, "snapshot", "id", 1, s->id, sizeof(s->id)) < 0 ||
	    ini_str(ini, file, "snapshot", "kind", 1, kind, sizeof(kind)) < 0 ||
	    ini_str(ini, file, "snapshot", "parent", 0, s->parent,
		    sizeof(s->parent)) < 0 ||
	    ini_str(ini, file, "snapshot", "source", 0, s->source,
		    sizeof(s->source)) < 0 ||
	    ini_str(ini, file, "snapshot", "backing", 1, s->backing,
		    sizeof(s->backing)) < 0 ||
	    ini_str(ini, file, "snapshot", "base", 1, s->base,
		    sizeof(s->base)) < 0 ||
	    ini_str(ini, file, "snapshot", "created", 0, s->created,
		    sizeof(s->created)) < 0 ||
	    ini_str(ini, file, "snapshot", "arch", 1, s->arch,
		    sizeof(s->arch)) < 0 ||
	    ini_str(ini, file, "snapshot", "definition", 0, s->definition,
		    sizeof(s->definition)) < 0 ||
	    ini_str(ini, file, "snapshot", "image_version", 0,
		    s->image_version, sizeof(s->image_version)) < 0 ||
	    ini_str(ini, file, "snapshot", "mac", 1, s->mac,
		    sizeof(s->mac)) < 0 ||
	    ini_int(ini, file, "snapshot", "cpus", 256, &s->cpus) < 0 ||
	    ini_int(ini, file, "snapshot", "memory", 1L << 22,
		    &s->memory_mib) < 0)
		return -1;
	if (strcmp(kind, "cold") && strcmp(kind, "live"))
		return aq_error("%s: kind must be 'cold' or 'live', not '%s'",
				file, kind);
	s->live = !strcmp(kind, "live");
	v = aq_ini_get(ini, "snapshot", "booted");
	s->booted = !v || strcmp(v, "no");
	v = aq_ini_get(ini, "snapshot", "disk");
	if (!v || aq_parse_size(v, 1, &s->disk_bytes) < 0)
		return aq_error("%s: bad or missing value for 'disk'", file);
	if (!s->live)
		return 0;
	return ini_str(ini, file, "restore", "qemu", 1, s->qemu,
		       sizeof(s->qemu)) < 0 ||
	       ini_str(ini, file, "restore", "machine", 1, s->machine,
		       sizeof(s->machine)) < 0 ||
	       ini_str(ini, file, "restore", "accel", 1, s->accel,
		       sizeof(s->accel)) < 0 ||
	       ini_str(ini, file, "restore", "cpu", 1, s->cpu_model,
		       sizeof(s->cpu_model)) < 0 ? -1 : 0;
}

static int snapshot_load_dir(const char *dir, struct snapshot *out)
{
	struct aq_ini ini = AQ_INI_INIT;
	char file[AQ_PATH_MAX];
	struct snapshot *s;
	int ret = -1;

	if (aq_path(file, sizeof(file), "%s/%s", dir, SNAPSHOT_INI) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return aq_error("out of memory");
	if (aq_ini_load(file, snapshot_schema, &ini) < 0 ||
	    snapshot_from_ini(&ini, file, s) < 0 ||
	    aq_path(s->dir, sizeof(s->dir), "%s", dir) < 0)
		goto out;
	*out = *s;
	ret = 0;
out:
	aq_ini_release(&ini);
	free(s);
	return ret;
}

int snapshot_load(const char *tag, struct snapshot *out)
{
	char root[AQ_PATH_MAX], dir[AQ_PATH_MAX];

	if (snapshot_tag_valid(tag) < 0 ||
	    snapshot_root(root, sizeof(root)) < 0 ||
	    aq_path(dir, sizeof(dir), "%s/%s", root, tag) < 0)
		return -1;
	if (!aq_exists(dir)) {
		aq_error("no snapshot named '%s'", tag);
		return AQ_ENOTFOUND;
	}
	if (snapshot_load_dir(dir, out) < 0)
		return -1;
	if (strcmp(out->tag, tag))
		return aq_error("%s/%s: tag '%s' does not match its directory",
				dir, SNAPSHOT_INI, out->tag);
	return 0;
}

int snapshot_save(const struct snapshot *s)
{
	struct aq_buf b = AQ_BUF_INIT;
	char file[AQ_PATH_MAX];
	int ret = -1;

	if (snapshot_file(s, SNAPSHOT_INI, file, sizeof(file)) < 0)
		return -1;
	if (aq_buf_addf(&b, "# aq snapshot; written by aq\n[snapshot]\n"
			"tag = %s\nid = %s\nkind = %s\nparent = %s\n"
			"source = %s\nbacking = %s\nbase = %s\ncreated = %s\n"
			"arch = %s\ndefinition = %s\nimage_version = %s\n"
			"cpus = %d\nmemory = %d\ndisk = %lld\nmac = %s\n"
			"booted = %s\n",
			s->tag, s->id, s->live ? "live" : "cold", s->parent,
			s->source, s->backing, s->base, s->created, s->arch,
			s->definition, s->image_version, s->cpus,
			s->memory_mib, s->disk_bytes, s->mac,
			s->booted ? "yes" : "no") < 0)
		goto out;
	if (s->live &&
	    aq_buf_addf(&b, "\n# A restore must match all of these.\n"
			"[restore]\nqemu = %s\nmachine = %s\naccel = %s\n"
			"cpu = %s\nmemory = %d\ncpus = %d\n", s->qemu,
			s->machine, s->accel, s->cpu_model, s->memory_mib,
			s->cpus) < 0)
		goto out;
	ret = aq_write_file_atomic(file, b.s, b.len, 0444);
out:
	aq_buf_release(&b);
	return ret;
}

int snapshot_list(char ***tags, size_t *count)
{
	char root[AQ_PATH_MAX];

	if (snapshot_root(root, sizeof(root)) < 0)
		return -1;
	return aq_list_names(root, snapshot_tag_valid, tags, count);
}

static int add_name(struct aq_buf *b, const char *name)
{
	return aq_buf_addf(b, "%s%s", b->len ? ", " : "", name);
}

static int vm_users(const char *layer, struct aq_buf *vms)
{
	char **names = NULL;
	size_t n;
	int ret = 0;

	if (vm_list(&names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct vm vm;

		if (vm_load(names[i], &vm) < 0) {
			aq_error_clear();
			continue;
		}
		if (!strcmp(vm.image, layer))
			ret = add_name(vms, vm.name);
	}
	aq_names_free(names);
	return ret;
}

static int child_users(const struct snapshot *s, struct aq_buf *children)
{
	char **tags = NULL;
	size_t n;
	int ret = 0;

	if (snapshot_list(&tags, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct snapshot c;

		if (snapshot_load(tags[i], &c) < 0) {
			aq_error_clear();
			continue;
		}
		if (!strcmp(c.parent, s->tag))
			ret = add_name(children, c.tag);
	}
	aq_names_free(tags);
	return ret;
}

int snapshot_users(const struct snapshot *s, struct aq_buf *vms,
		   struct aq_buf *children)
{
	char layer[AQ_PATH_MAX];

	if (snapshot_file(s, SNAPSHOT_LAYER, layer, sizeof(layer)) < 0)
		return -1;
	return vm_users(layer, vms) < 0 || child_users(s, children) < 0 ?
	       -1 : 0;
}

static long long file_usage(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (long long)st.st_blocks * 512;
}

long long snapshot_disk_usage(const struct snapshot *s)
{
	char path[AQ_PATH_MAX];
	long long total = 0;

	if (snapshot_file(s, SNAPSHOT_LAYER, path, sizeof(path)) == 0)
		total += file_usage(path);
	if (snapshot_file(s, SNAPSHOT_STATE, path, sizeof(path)) == 0)
		total += file_usage(path);
	return total;
}

static int remove_locked(const char *tag)
{
	struct aq_buf vms = AQ_BUF_INIT, children = AQ_BUF_INIT;
	char trash[AQ_PATH_MAX], root[AQ_PATH_MAX];
	struct snapshot s;
	int ret = -1;

	if (snapshot_load(tag, &s) < 0 || snapshot_users(&s, &vms,
							  &children) < 0)
		goto out;
	if (vms.len || children.len) {
		aq_error("it is in use by %s%s%s%s%s", vms.len ? "VM " : "",
			 vms.s, vms.len && children.len ? " and " : "",
			 children.len ? "snapshot " : "", children.s);
		goto out;
	}
	/* Hidden first, so a failed removal leaves no half tag. */
	if (snapshot_root(root, sizeof(root)) < 0 ||
	    aq_path(trash, sizeof(trash), "%s/.rm-%s", root, tag) < 0)
		goto out;
	aq_rm_rf(trash);
	if (rename(s.dir, trash) < 0) {
		aq_error_errno("cannot rename '%s'", s.dir);
		goto out;
	}
	ret = aq_rm_rf(trash);
out:
	aq_buf_release(&vms);
	aq_buf_release(&children);
	return ret;
}

int snapshot_remove(const char *tag)
{
	int lock, ret;

	if (snapshot_tag_valid(tag) < 0)
		return -1;
	lock = aq_lock_home();
	if (lock < 0)
		return -1;
	ret = remove_locked(tag);
	if (ret == 0)
		snapshot_gc();
	aq_unlock(lock);
	return ret;
}

int snapshot_clone_init(const char *tag, struct vm *vm, struct snapshot *s)
{
	char layer[AQ_PATH_MAX];

	if (snapshot_load(tag, s) < 0 ||
	    snapshot_file(s, SNAPSHOT_LAYER, layer, sizeof(layer)) < 0)
		return -1;
	if (!aq_exists(s->base))
		return aq_error("snapshot '%s' needs base image '%s', which is "
				"missing", tag, s->base);
	snprintf(vm->arch, sizeof(vm->arch), "%s", s->arch);
	vm->cpus = s->cpus;
	vm->memory_mib = s->memory_mib;
	vm->disk_bytes = s->disk_bytes;
	snprintf(vm->image, sizeof(vm->image), "%s", layer);
	snprintf(vm->image_version, sizeof(vm->image_version), "%s",
		 s->image_version);
	snprintf(vm->definition, sizeof(vm->definition), "%s",
		 s->definition[0] ? s->definition : "alpine");
	return 0;
}

int snapshot_clone_check(const struct snapshot *s, const struct vm *vm)
{
	if (!s->live)
		return 0;
	if (vm->memory_mib != s->memory_mib)
		return aq_error("live snapshot '%s' was taken with %d MiB of "
				"memory; a VM resuming it must have the same, "
				"not %d MiB", s->tag, s->memory_mib,
				vm->memory_mib);
	if (vm->cpus != s->cpus)
		return aq_error("live snapshot '%s' was taken with %d CPUs; a "
				"VM resuming it must have the same, not %d",
				s->tag, s->cpus, vm->cpus);
	if (vm->disk_bytes != s->disk_bytes)
		return aq_error("live snapshot '%s' was taken with a disk of "
				"%lld bytes; a VM resuming it must keep that "
				"size", s->tag, s->disk_bytes);
	return 0;
}

int snapshot_clone_mark(const struct vm *vm, const struct snapshot *s)
{
	char file[AQ_PATH_MAX], text[256];
	int n;

	if (vm_file(vm, SNAPSHOT_CLONE_INI, file, sizeof(file)) < 0)
		return -1;
	n = snprintf(text, sizeof(text), "# aq: what the first start of this "
		     "clone still has to do\n[clone]\ntag = %s\nid = %s\n"
		     "resume = %s\nmac = %s\n", s->tag, s->id,
		     s->live ? "yes" : "no", s->mac);
	if (n < 0 || (size_t)n >= sizeof(text))
		return aq_error("snapshot tag too long");
	if (aq_write_file_atomic(file, text, (size_t)n, 0600) < 0)
		return -1;
	/* The disk's first boot happened in the source: nothing to wait for. */
	if (!s->booted)
		return 0;
	if (vm_file(vm, PROVISION_PENDING, file, sizeof(file)) < 0)
		return -1;
	if (unlink(file) < 0 && errno != ENOENT)
		return aq_error_errno("cannot remove '%s'", file);
	return 0;
}
