/*
 * Reading image definitions and fetching their base images.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "image.h"
#include "inifile.h"
#include "loader.h"
#include "util.h"
#include "banned.h"

static const struct aq_ini_key image_schema[] = {
	{ "image", "description", 0 },
	{ "image", "variant", 0 },
	{ "image", "firmware_x86_64", 0 },
	{ "image", "firmware_aarch64", 0 },
	{ "defaults", "cpus", 0 },
	{ "defaults", "memory", 0 },
	{ "defaults", "disk", 0 },
	{ NULL, NULL, 0 }
};

const char *image_def_dir(void)
{
	if (aq_running_from_build() || access(AQ_INSTALL_DATA_DIR "/images",
					      R_OK) != 0)
		return AQ_SOURCE_DIR "/images";
	return AQ_INSTALL_DATA_DIR "/images";
}

static int def_string(const struct aq_ini *ini, const char *file,
		      const char *section, const char *key, char *out,
		      size_t len, int required)
{
	const char *v = aq_ini_get(ini, section, key);

	if (!v && required)
		return aq_error("%s: missing key '%s' in section [%s]", file,
				key, section);
	if (v && strlen(v) >= len)
		return aq_error("%s: value of '%s' is too long", file, key);
	if (v)
		memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int def_resources(const struct aq_ini *ini, const char *file,
			 struct image_def *def)
{
	const char *v;
	long n;

	def->cpus = 1;
	def->memory_mib = 512;
	def->disk_bytes = 2LL << 30;
	if ((v = aq_ini_get(ini, "defaults", "cpus"))) {
		if (aq_parse_long(v, 1, 256, &n) < 0)
			return aq_error_wrap("%s: bad cpus", file);
		def->cpus = (int)n;
	}
	if ((v = aq_ini_get(ini, "defaults", "memory"))) {
		long long b;

		if (aq_parse_size(v, 1LL << 20, &b) < 0)
			return aq_error_wrap("%s: bad memory", file);
		def->memory_mib = (int)(b >> 20);
	}
	if ((v = aq_ini_get(ini, "defaults", "disk")) &&
	    aq_parse_size(v, 1LL << 30, &def->disk_bytes) < 0)
		return aq_error_wrap("%s: bad disk", file);
	return 0;
}

int image_def_load(const char *name, const char *arch, struct image_def *out)
{
	struct aq_ini ini = AQ_INI_INIT;
	struct image_def def;
	char key[32];
	int ret = -1;

	memset(&def, 0, sizeof(def));
	if (aq_path(def.file, sizeof(def.file), "%s/%s.ini", image_def_dir(),
		    name) < 0)
		return -1;
	if (strchr(name, '/') || !aq_exists(def.file))
		return aq_error("no image definition named '%s' (looked in "
				"%s)", name, image_def_dir());
	if (aq_ini_load(def.file, image_schema, &ini) < 0)
		return -1;
	snprintf(def.name, sizeof(def.name), "%s", name);
	snprintf(key, sizeof(key), "firmware_%s", arch);
	if (def_string(&ini, def.file, "image", "description",
		       def.description, sizeof(def.description), 0) < 0 ||
	    def_string(&ini, def.file, "image", "variant", def.variant,
		       sizeof(def.variant), 1) < 0 ||
	    def_string(&ini, def.file, "image", key, def.firmware,
		       sizeof(def.firmware), 1) < 0 ||
	    def_resources(&ini, def.file, &def) < 0)
		goto out;
	*out = def;
	ret = 0;
out:
	aq_ini_release(&ini);
	return ret;
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
