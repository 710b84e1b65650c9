/*
 * Finding and reading image definitions, and fetching their base images.
 *
 * A definition comes from a tap, that is from someone else: each value is
 * checked here, with the file and line of a bad one, and the paths it
 * names (overlays, script) must stay inside the tap, through no symlink,
 * so that a definition cannot put files of the host on a guest's seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "image.h"
#include "inifile.h"
#include "loader.h"
#include "portspec.h"
#include "tap.h"
#include "util.h"
#include "banned.h"

static const struct aq_ini_key image_schema[] = {
	{ "image", "description", 0 },
	{ "image", "base", 0 },
	{ "image", "variant", 0 },
	{ "image", "firmware_x86_64", 0 },
	{ "image", "firmware_aarch64", 0 },
	{ "defaults", "cpus", 0 },
	{ "defaults", "memory", 0 },
	{ "defaults", "disk", 0 },
	{ "defaults", "forward", AQ_INI_MULTI },
	{ "provision", "packages", AQ_INI_MULTI },
	{ "provision", "overlay", AQ_INI_MULTI },
	{ "provision", "script", 0 },
	{ NULL, NULL, 0 }
};

/* What reading one definition needs besides the result. */
struct def_ctx {
	const char *file;
	const char *root;
	const struct aq_ini *ini;
};

const char *image_def_dir(void)
{
	if (aq_running_from_build() || access(AQ_INSTALL_DATA_DIR "/images",
					      R_OK) != 0)
		return AQ_SOURCE_DIR "/images";
	return AQ_INSTALL_DATA_DIR "/images";
}

/* Refuse entry e: "FILE:LINE: reason". */
static int def_fail(const struct def_ctx *c, const struct aq_ini_entry *e,
		    const char *fmt, ...) AQ_PRINTF(3, 4);

static int def_fail(const struct def_ctx *c, const struct aq_ini_entry *e,
		    const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return aq_error("%s:%d: %s", c->file, e ? e->line : 0, why);
}

/* The same, with the message already recorded as the reason. */
static int def_fail_last(const struct def_ctx *c,
			 const struct aq_ini_entry *e)
{
	char why[1024];

	snprintf(why, sizeof(why), "invalid %s '%s': %s", e->key, e->value,
		 aq_error_last());
	return def_fail(c, e, "%s", why);
}

static int def_copy(const struct def_ctx *c, const char *section,
		    const char *key, const char *dflt, char *out, size_t len)
{
	const struct aq_ini_entry *e = aq_ini_entry(c->ini, section, key);
	const char *v = e ? e->value : dflt;

	if (strlen(v) >= len)
		return def_fail(c, e, "value of '%s' is too long (at most %zu "
				"characters)", key, len - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* Copy section.key (or dflt) to out; it must be one of the choices. */
static int def_choice(const struct def_ctx *c, const char *section,
		      const char *key, const char *dflt,
		      const char *const *choices, char *out, size_t len)
{
	const struct aq_ini_entry *e = aq_ini_entry(c->ini, section, key);
	char list[128] = "";

	if (def_copy(c, section, key, dflt, out, len) < 0)
		return -1;
	for (const char *const *p = choices; *p; p++) {
		if (!strcmp(out, *p))
			return 0;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s'%s'", p == choices ? "" : " or ", *p);
	}
	return def_fail(c, e, "invalid %s '%s': use %s", key, out, list);
}

static int def_image(const struct def_ctx *c, const char *arch,
		     struct image_def *def)
{
	static const char *const bases[] = { "alpine", NULL };
	static const char *const variants[] = { "tiny", "cloudinit", NULL };
	static const char *const fw_x86[] = { "bios", "uefi", NULL };
	static const char *const fw_arm[] = { "uefi", NULL };
	char other[16] = "";
	int arm = !strcmp(arch, "aarch64");

	if (def_copy(c, "image", "description", "", def->description,
		     sizeof(def->description)) < 0 ||
	    def_choice(c, "image", "base", "alpine", bases, def->base,
		       sizeof(def->base)) < 0 ||
	    def_choice(c, "image", "variant", "tiny", variants, def->variant,
		       sizeof(def->variant)) < 0)
		return -1;
	/* Both are checked, whichever arch this host is. */
	if (def_choice(c, "image", "firmware_x86_64", "bios", fw_x86,
		       arm ? other : def->firmware, sizeof(other)) < 0 ||
	    def_choice(c, "image", "firmware_aarch64", "uefi", fw_arm,
		       arm ? def->firmware : other, sizeof(other)) < 0)
		return -1;
	return 0;
}

static int def_size(const struct def_ctx *c, const char *key,
		    long long bare_unit, long long min, long long max,
		    long long *out)
{
	const struct aq_ini_entry *e = aq_ini_entry(c->ini, "defaults", key);
	char lo[16], hi[16];
	long long v;

	if (!e)
		return 0;
	if (aq_parse_size(e->value, bare_unit, &v) < 0)
		return def_fail_last(c, e);
	if (v < min || v > max) {
		aq_format_size(min, lo, sizeof(lo));
		aq_format_size(max, hi, sizeof(hi));
		return def_fail(c, e, "invalid %s '%s': use %s to %s", key,
				e->value, lo, hi);
	}
	*out = v;
	return 0;
}

static int def_defaults(const struct def_ctx *c, struct image_def *def)
{
	const struct aq_ini_entry *e;
	long long mem = 512LL << 20;
	long n;

	def->cpus = 1;
	def->disk_bytes = 2LL << 30;
	e = aq_ini_entry(c->ini, "defaults", "cpus");
	if (e) {
		if (aq_parse_long(e->value, 1, 256, &n) < 0)
			return def_fail_last(c, e);
		def->cpus = (int)n;
	}
	if (def_size(c, "memory", 1LL << 20, 64LL << 20, 1LL << 40,
		     &mem) < 0 ||
	    def_size(c, "disk", 1LL << 30, 64LL << 20, 64LL << 40,
		     &def->disk_bytes) < 0)
		return -1;
	def->memory_mib = (int)(mem >> 20);
	for (size_t i = 0; i < c->ini->n; i++) {
		struct aq_forward *f = &def->forwards[def->nforwards];

		e = &c->ini->entries[i];
		if (strcmp(e->section, "defaults") || strcmp(e->key, "forward"))
			continue;
		if (def->nforwards == AQ_MAX_FORWARDS)
			return def_fail(c, e, "at most %d forwards",
					AQ_MAX_FORWARDS);
		if (aq_portspec_parse(e->value, f) < 0)
			return def_fail_last(c, e);
		for (size_t j = 0; j < def->nforwards; j++)
			if (def->forwards[j].host_port == f->host_port &&
			    !strcmp(def->forwards[j].proto, f->proto))
				return def_fail(c, e, "host port %d/%s is "
						"forwarded twice",
						f->host_port, f->proto);
		def->nforwards++;
	}
	return 0;
}

/*
 * An Alpine package, as apk add takes it: a name, maybe with a version
 * constraint (=, <, >, ~), a tag (@edge) or a provider prefix (so:,
 * cmd:).  Nothing the first-boot shell would expand or take as an option.
 */
static int package_valid(const char *p, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-=<>~:@";

	for (size_t i = 0; i < len; i++)
		if (!strchr(ok, p[i]))
			return 0;
	return len > 0 && p[0] != '-';
}

static int def_packages(const struct def_ctx *c, struct image_def *def)
{
	size_t used = 0;

	for (size_t i = 0; i < c->ini->n; i++) {
		const struct aq_ini_entry *e = &c->ini->entries[i];
		const char *p = e->value;

		if (strcmp(e->section, "provision") ||
		    strcmp(e->key, "packages"))
			continue;
		while (*p) {
			size_t len = strcspn(p, " \t,");

			if (len == 0) {
				p++;
				continue;
			}
			if (!package_valid(p, len))
				return def_fail(c, e, "invalid package "
						"'%.*s'", (int)len, p);
			if (used + len + 2 > sizeof(def->packages))
				return def_fail(c, e, "too many packages");
			if (used)
				def->packages[used++] = ' ';
			memcpy(def->packages + used, p, len);
			used += len;
			def->packages[used] = '\0';
			p += len;
		}
	}
	return 0;
}

/*
 * c->root/rel into out, if rel is relative, has no ".." and passes
 * through no symlink.  The last component's stat goes to st.
 */
static int def_path(const struct def_ctx *c, const struct aq_ini_entry *e,
		    char *out, size_t len, struct stat *st)
{
	const char *p = e->value;
	size_t used;

	if (p[0] == '/' || !p[0])
		return def_fail(c, e, "invalid %s '%s': give a path inside "
				"the tap, relative to its top", e->key, p);
	if (aq_path(out, len, "%s", c->root) < 0)
		return def_fail_last(c, e);
	used = strlen(out);
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2))
			return def_fail(c, e, "invalid %s '%s': it may not "
					"leave the tap ('..')", e->key,
					e->value);
		if (n && !(n == 1 && p[0] == '.')) {
			if (used + n + 2 > len)
				return def_fail(c, e, "invalid %s: path too "
						"long", e->key);
			out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
			if (lstat(out, st) < 0)
				return def_fail(c, e, "invalid %s '%s': %s: "
						"%s", e->key, e->value, out,
						strerror(errno));
			if (S_ISLNK(st->st_mode))
				return def_fail(c, e, "invalid %s '%s': %s "
						"is a symlink", e->key,
						e->value, out);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int def_provision(const struct def_ctx *c, struct image_def *def)
{
	const struct aq_ini_entry *e;
	struct stat st;

	if (def_packages(c, def) < 0)
		return -1;
	for (size_t i = 0; i < c->ini->n; i++) {
		struct image_overlay *o = &def->overlays[def->noverlays];

		e = &c->ini->entries[i];
		if (strcmp(e->section, "provision") ||
		    strcmp(e->key, "overlay"))
			continue;
		if (def->noverlays == AQ_IMAGE_MAX_OVERLAYS)
			return def_fail(c, e, "at most %d overlays",
					AQ_IMAGE_MAX_OVERLAYS);
		if (def_path(c, e, o->path, sizeof(o->path), &st) < 0)
			return -1;
		if (S_ISDIR(st.st_mode))
			o->kind = IMAGE_OVERLAY_DIR;
		else if (S_ISREG(st.st_mode) &&
			 (ends_with(o->path, ".tar.gz") ||
			  ends_with(o->path, ".tgz")))
			o->kind = IMAGE_OVERLAY_TAR;
		else
			return def_fail(c, e, "invalid overlay '%s': neither a "
					"directory nor a .tar.gz", e->value);
		def->noverlays++;
	}
	e = aq_ini_entry(c->ini, "provision", "script");
	if (!e)
		return 0;
	if (def_path(c, e, def->script, sizeof(def->script), &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return def_fail(c, e, "invalid script '%s': not a file",
				e->value);
	return 0;
}

int image_def_read(const char *file, const char *root, const char *name,
		   const char *arch, struct image_def *out)
{
	struct aq_ini ini = AQ_INI_INIT;
	struct def_ctx c = { file, root, &ini };
	struct image_def *def = calloc(1, sizeof(*def));
	int ret = -1;

	if (!def)
		return aq_error("out of memory");
	if (aq_ini_load(file, image_schema, &ini) < 0)
		goto out;
	if (aq_path(def->name, sizeof(def->name), "%s", name) < 0 ||
	    aq_path(def->file, sizeof(def->file), "%s", file) < 0 ||
	    def_image(&c, arch, def) < 0 || def_defaults(&c, def) < 0 ||
	    def_provision(&c, def) < 0)
		goto out;
	*out = *def;
	ret = 0;
out:
	aq_ini_release(&ini);
	free(def);
	return ret;
}

/* NAME of a definition: [a-z0-9][a-z0-9._-]*, like a file name. */
static int image_part_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > AQ_IMAGE_PART_MAX || s[0] == '.' || s[0] == '-' ||
	    s[0] == '_')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", s[i]))
			return 0;
	return 1;
}

/* "a, b" of the images of tap, for a message. */
static void tap_image_names(const char *tap, char *out, size_t len)
{
	char **names = NULL;
	size_t n = 0;

	snprintf(out, len, "none");
	if (tap_images(tap, &names, &n) < 0) {
		aq_error_clear();
		return;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(out + (i ? strlen(out) : 0),
			 len - (i ? strlen(out) : 0), "%s%s", i ? ", " : "",
			 names[i]);
	tap_names_free(names);
}

static int load_from_tap(const char *name, const char *slash,
			 const char *arch, struct image_def *out)
{
	char tapname[AQ_TAP_NAME_MAX + 1], given[AQ_TAP_NAME_MAX + 8];
	char dir[AQ_PATH_MAX], file[AQ_PATH_MAX], full[AQ_IMAGE_NAME_MAX];
	char have[512];
	const char *img = slash + 1;

	if ((size_t)(slash - name) >= sizeof(given))
		return aq_error("invalid image name '%s': too long", name);
	snprintf(given, sizeof(given), "%.*s", (int)(slash - name), name);
	if (tap_name_parse(given, tapname, sizeof(tapname), NULL, 0) < 0 ||
	    !image_part_valid(img))
		return aq_error("invalid image name '%s': use NAME or "
				"USER/REPO/NAME", name);
	if (tap_dir(tapname, dir, sizeof(dir)) < 0 ||
	    aq_path(file, sizeof(file), "%s/.git", dir) < 0)
		return -1;
	if (!aq_exists(file))
		return aq_error("no tap named '%s' (add it with 'aq tap add "
				"%s')", tapname, tapname);
	if (aq_path(file, sizeof(file), "%s/images/%s.ini", dir, img) < 0 ||
	    aq_path(full, sizeof(full), "%s/%s", tapname, img) < 0)
		return -1;
	if (!aq_exists(file)) {
		tap_image_names(tapname, have, sizeof(have));
		return aq_error("tap '%s' has no image '%s' (it has: %s)",
				tapname, img, have);
	}
	return image_def_read(file, dir, full, arch, out);
}

/* The one tap that has image name, in tap (empty when none). */
static int find_in_taps(const char *name, char *tap, size_t len)
{
	char dir[AQ_PATH_MAX], file[AQ_PATH_MAX], found[1024] = "";
	char **taps = NULL;
	size_t n = 0, hits = 0;

	tap[0] = '\0';
	if (tap_list(&taps, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (tap_dir(taps[i], dir, sizeof(dir)) < 0 ||
		    aq_path(file, sizeof(file), "%s/images/%s.ini", dir,
			    name) < 0 || !aq_exists(file))
			continue;
		if (!hits++)
			snprintf(tap, len, "%s", taps[i]);
		snprintf(found + strlen(found), sizeof(found) - strlen(found),
			 "%s%s/%s", hits > 1 ? ", " : "", taps[i], name);
	}
	tap_names_free(taps);
	aq_error_clear();
	if (hits > 1)
		return aq_error("image '%s' is in %zu taps: name one of %s",
				name, hits, found);
	return 0;
}

int image_def_load(const char *name, const char *arch, struct image_def *out)
{
	const char *slash = strrchr(name, '/');
	char file[AQ_PATH_MAX], root[AQ_PATH_MAX], tap[AQ_TAP_NAME_MAX + 1];
	char full[AQ_IMAGE_NAME_MAX];
	char *cut;

	if (slash)
		return load_from_tap(name, slash, arch, out);
	if (!image_part_valid(name))
		return aq_error("invalid image name '%s': use NAME or "
				"USER/REPO/NAME", name);
	if (aq_path(file, sizeof(file), "%s/%s.ini", image_def_dir(),
		    name) < 0 ||
	    aq_path(root, sizeof(root), "%s", image_def_dir()) < 0)
		return -1;
	cut = strrchr(root, '/');
	if (cut && cut != root)
		*cut = '\0';
	if (aq_exists(file))
		return image_def_read(file, root, name, arch, out);
	if (find_in_taps(name, tap, sizeof(tap)) < 0)
		return -1;
	if (!tap[0])
		return aq_error("no image named '%s', built in or in a tap "
				"(see 'aq images')", name);
	if (aq_path(full, sizeof(full), "%s/%s", tap, name) < 0)
		return -1;
	return load_from_tap(full, strrchr(full, '/'), arch, out);
}

int image_fetch(const struct image_def *def, const char *arch, int refresh,
		struct aq_image *out)
{
	struct aq_image_request req;
	char cache[AQ_PATH_MAX];

	if (aq_home_dir("images", cache, sizeof(cache)) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.mirror = aq_mirror();
	req.arch = arch;
	req.firmware = def->firmware;
	req.variant = def->variant;
	req.cache_dir = cache;
	req.refresh = refresh;
	return aq_call_fetch_image(&req, out);
}
