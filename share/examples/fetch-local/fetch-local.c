/*
 * fetch-local: an aq fetch plugin that serves base images from a local
 * directory instead of an Alpine mirror, for hosts without a network.
 *
 * Copy the NoCloud cloud images you need, with the .sha512 file the
 * mirror publishes beside each, into one directory:
 *
 *	nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2
 *	nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2.sha512
 *
 * and select the plugin in aq's config ($AQ_CONFIG):
 *
 *	[plugins]
 *	fetch = fetch-local
 *
 *	[fetch-local]
 *	dir = /srv/alpine-images
 *
 * ($AQ_LOCAL_IMAGES, when set, wins over dir.)  For each request the
 * newest release in the directory matching the arch, firmware and
 * variant is copied into aq's image cache, hashed on the way and
 * compared with its .sha512 before it gets its final name.  An image
 * already cached under that name with that digest is used as it is.
 *
 * It is also the worked example of share/PLUGINS.md: it uses only
 * <aq/plugin.h> and libc, reports every failure through host->error(),
 * and writes out-parameters only on success.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <aq/plugin.h>

#include "sha512.h"

#define LOCAL_PREFIX "nocloud_alpine-"
#define LOCAL_SUFFIX ".qcow2"
#define LOCAL_CHUNK (1 << 20)

static const struct aq_host *local_host;

/* What a published file name says. */
struct local_name {
	char version[32];
	char arch[16];
	char firmware[16];
	char variant[16];
	long build;		/* the N of -rN */
};

static int local_init(const struct aq_host *host)
{
	local_host = host;
	return 0;
}

/* Copy the part of *p up to the next '-' into out and step past it. */
static int local_field(const char **p, char *out, size_t len)
{
	size_t n = strcspn(*p, "-");

	if (n == 0 || n >= len || (*p)[n] != '-')
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + 1;
	return 0;
}

/*
 * "nocloud_alpine-VERSION-ARCH-FIRMWARE-VARIANT-rN.qcow2"; 0 if name is
 * one, -1 otherwise.
 */
static int local_parse(const char *name, struct local_name *out)
{
	const char *p = name;
	char *end;
	size_t len = strlen(name);

	if (strncmp(p, LOCAL_PREFIX, strlen(LOCAL_PREFIX)) ||
	    len < strlen(LOCAL_SUFFIX) ||
	    strcmp(name + len - strlen(LOCAL_SUFFIX), LOCAL_SUFFIX))
		return -1;
	p += strlen(LOCAL_PREFIX);
	if (local_field(&p, out->version, sizeof(out->version)) < 0 ||
	    local_field(&p, out->arch, sizeof(out->arch)) < 0 ||
	    local_field(&p, out->firmware, sizeof(out->firmware)) < 0 ||
	    local_field(&p, out->variant, sizeof(out->variant)) < 0 ||
	    p[0] != 'r' || p[1] < '0' || p[1] > '9')
		return -1;
	errno = 0;
	out->build = strtol(p + 1, &end, 10);
	if (errno || strcmp(end, LOCAL_SUFFIX))
		return -1;
	return 0;
}

/* Compare "3.22.1" with "3.9.4" number by number; then the builds. */
static int local_newer(const struct local_name *a, const struct local_name *b)
{
	const char *p = a->version, *q = b->version;

	while (*p || *q) {
		char *pe, *qe;
		long x = strtol(p, &pe, 10), y = strtol(q, &qe, 10);

		if (x != y)
			return x > y;
		p = *pe ? pe + 1 : pe;
		q = *qe ? qe + 1 : qe;
	}
	return a->build > b->build;
}

static const char *local_dir(void)
{
	const char *env = getenv("AQ_LOCAL_IMAGES");
	const char *cfg = local_host->config("fetch-local", "dir");

	if (env && *env)
		return env;
	return cfg && *cfg ? cfg : NULL;
}

/* The newest image in dir for req, by file name. */
static int local_find(const char *dir, const struct aq_image_request *req,
		      char *file, size_t len, struct local_name *best)
{
	struct local_name n;
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return local_host->error("cannot read image directory '%s': "
					 "%s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (local_parse(de->d_name, &n) < 0 ||
		    strcmp(n.arch, req->arch) ||
		    strcmp(n.firmware, req->firmware) ||
		    strcmp(n.variant, req->variant) ||
		    strlen(de->d_name) >= len)
			continue;
		if (!found || local_newer(&n, best)) {
			*best = n;
			snprintf(file, len, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	if (!found)
		return local_host->error("no %s %s-%s image in '%s' (want "
					 LOCAL_PREFIX "VERSION-%s-%s-%s-rN"
					 LOCAL_SUFFIX " and its .sha512)",
					 req->arch, req->firmware,
					 req->variant, dir, req->arch,
					 req->firmware, req->variant);
	return 0;
}

/*
 * The digest in a .sha512 file: a bare digest or "DIGEST  NAME".
 * Returns 0, -1 when the file cannot be read (errno says why) or -2
 * when it holds no digest; records no error.
 */
static int local_digest_of(const char *path, char out[AQ_DIGEST_HEX])
{
	char line[512];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strspn(line, "0123456789abcdefABCDEF");
	if (n != AQ_DIGEST_HEX - 1)
		return -2;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(line[i] >= 'A' && line[i] <= 'F' ?
				line[i] - 'A' + 'a' : line[i]);
	out[n] = '\0';
	return 0;
}

static int local_read_digest(const char *path, char out[AQ_DIGEST_HEX])
{
	int r = local_digest_of(path, out);

	if (r == -1)
		return local_host->error("cannot read '%s': %s (it is needed "
					 "to verify the image)", path,
					 strerror(errno));
	if (r < 0)
		return local_host->error("'%s' holds no SHA-512 digest", path);
	return 0;
}

static int local_join(char *out, size_t len, const char *dir,
		      const char *name, const char *suffix)
{
	int n = snprintf(out, len, "%s/%s%s", dir, name, suffix);

	if (n < 0 || (size_t)n >= len)
		return local_host->error("cannot use '%s/%s%s': path too long",
					 dir, name, suffix);
	return 0;
}

static int local_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Copy src to dst through dst.part, checking the digest on the way.
 * The copy is read-only (it backs VMs' disks) and gets the sidecar
 * "DIGEST  NAME" in dst.sha512 that aq's cache keeps beside each image.
 */
static int local_copy(const char *src, const char *dst, const char *name,
		      const char *want)
{
	char part[AQ_PATH_MAX], side[AQ_PATH_MAX], got[AQ_DIGEST_HEX];
	char line[AQ_DIGEST_HEX + 300];
	char *buf = malloc(LOCAL_CHUNK);
	int in = -1, out = -1, ret = -1;
	struct sha512 sha;
	ssize_t n;

	if (!buf)
		return local_host->error("out of memory");
	sha512_init(&sha);
	if (snprintf(part, sizeof(part), "%s.part", dst) >=
	    (int)sizeof(part) ||
	    snprintf(side, sizeof(side), "%s.sha512", dst) >=
	    (int)sizeof(side)) {
		local_host->error("cannot use '%s': path too long", dst);
		goto out;
	}
	in = open(src, O_RDONLY);
	if (in < 0) {
		local_host->error("cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	out = open(part, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0) {
		local_host->error("cannot create '%s': %s", part,
				  strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, LOCAL_CHUNK)) > 0) {
		sha512_update(&sha, buf, (size_t)n);
		if (local_write_all(out, buf, (size_t)n) < 0) {
			local_host->error("cannot write '%s': %s", part,
					  strerror(errno));
			goto out;
		}
	}
	if (n < 0) {
		local_host->error("cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	sha512_hex(&sha, got);
	if (strcmp(got, want)) {
		local_host->error("'%s' does not match its .sha512 (got "
				  "%.16s..., want %.16s...)", src, got, want);
		goto out;
	}
	if (fsync(out) < 0 || fchmod(out, 0444) < 0) {
		local_host->error("cannot write '%s': %s", part,
				  strerror(errno));
		goto out;
	}
	n = close(out);
	out = -1;
	if (n < 0) {
		local_host->error("cannot write '%s': %s", part,
				  strerror(errno));
		goto out;
	}
	snprintf(line, sizeof(line), "%s  %s\n", got, name);
	if (rename(part, dst) < 0) {
		local_host->error("cannot rename '%s': %s", part,
				  strerror(errno));
		goto out;
	}
	/* The sidecar only saves hashing again: a failure is no error. */
	out = open(side, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out >= 0 && local_write_all(out, line, strlen(line)) < 0)
		unlink(side);
	ret = 0;
out:
	if (ret < 0)
		unlink(part);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(buf);
	return ret;
}

/* Whether dst is already there with the digest want, by its sidecar. */
static int local_cached(const char *dst, const char *want)
{
	char side[AQ_PATH_MAX], have[AQ_DIGEST_HEX];
	struct stat st;

	/* A missing or odd sidecar means "copy again", not an error. */
	if (stat(dst, &st) < 0 ||
	    snprintf(side, sizeof(side), "%s.sha512", dst) >=
	    (int)sizeof(side))
		return 0;
	return local_digest_of(side, have) == 0 && !strcmp(have, want);
}

/* Serialize processes that change the cache (as aq's fetch-curl does). */
static int local_lock(const char *cache, int *fd)
{
	char path[AQ_PATH_MAX];
	struct flock fl;

	if (local_join(path, sizeof(path), cache, ".lock", "") < 0)
		return -1;
	*fd = open(path, O_RDWR | O_CREAT, 0600);
	if (*fd < 0)
		return local_host->error("cannot open '%s': %s", path,
					 strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(*fd, F_SETLKW, &fl) < 0) {
		if (errno == EINTR)
			continue;
		close(*fd);
		return local_host->error("cannot lock '%s': %s", path,
					 strerror(errno));
	}
	return 0;
}

static int local_fetch_image(const struct aq_image_request *req,
			     struct aq_image *out)
{
	char file[256], src[AQ_PATH_MAX], side[AQ_PATH_MAX];
	char dst[AQ_PATH_MAX], want[AQ_DIGEST_HEX];
	struct local_name best = { "", "", "", "", 0 };
	struct aq_image img;
	const char *dir = local_dir();
	int lock = -1, ret = -1;

	if (!dir)
		return local_host->error("no image directory: set dir in "
					 "[fetch-local] of the config, or "
					 "AQ_LOCAL_IMAGES");
	if (local_find(dir, req, file, sizeof(file), &best) < 0 ||
	    local_join(src, sizeof(src), dir, file, "") < 0 ||
	    local_join(side, sizeof(side), dir, file, ".sha512") < 0 ||
	    local_join(dst, sizeof(dst), req->cache_dir, file, "") < 0 ||
	    local_read_digest(side, want) < 0)
		return -1;
	if (!local_cached(dst, want)) {
		if (local_lock(req->cache_dir, &lock) < 0)
			return -1;
		local_host->log(AQ_LOG_INFO, "copying %s from %s", file, dir);
		if (!local_cached(dst, want) &&
		    local_copy(src, dst, file, want) < 0)
			goto out;
	}
	memset(&img, 0, sizeof(img));
	snprintf(img.path, sizeof(img.path), "%s", dst);
	snprintf(img.version, sizeof(img.version), "%s", best.version);
	snprintf(img.file, sizeof(img.file), "%s", file);
	snprintf(img.sha512, sizeof(img.sha512), "%s", want);
	*out = img;
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	return ret;
}

const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "local",
	.concern = AQ_CONCERN_FETCH,
	.description = "base images from a local directory (air-gapped "
		       "hosts)",
	.init = local_init,
	.fetch_image = local_fetch_image,
};
