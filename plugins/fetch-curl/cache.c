/*
 * The image cache: a directory of verified images under their published
 * names, each read-only (it backs VMs' disks) and with a NAME.sha512
 * sidecar so it can be described without hashing it again.  Downloads
 * land in NAME.part and get the final name only once verified; .lock
 * serializes processes that change the cache.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fetch.h"
#include "mirror.h"

#define CACHE_LOCK ".lock"
#define CACHE_CHUNK (1024 * 1024)

static int cache_path(char *buf, size_t len, const char *dir,
		      const char *name, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);

	if (n < 0 || (size_t)n >= len)
		return fetch_host->error("cannot use '%s/%s%s': the path is "
					 "too long", dir, name, suffix);
	return 0;
}

static int cache_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* dir as an absolute path (realpath() is not in base POSIX). */
static int cache_absolute(const char *dir, char *abs, size_t len)
{
	char cwd[AQ_PATH_MAX];
	size_t dlen = strlen(dir);
	int n;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (dir[0] == '/')
		n = snprintf(abs, len, "%.*s", (int)dlen, dir);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(abs, len, "%s/%.*s", cwd, (int)dlen, dir);
	else
		return fetch_host->error("cannot use cache '%s': %s", dir,
					 strerror(errno));
	if (n < 0 || (size_t)n >= len)
		return fetch_host->error("cannot use cache '%s': the path is "
					 "too long", dir);
	return 0;
}

int fetch_cache_prepare(const char *dir, char *abs, size_t len)
{
	char path[AQ_PATH_MAX];
	size_t i;

	if (cache_absolute(dir, path, sizeof(path)) < 0)
		return -1;
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (cache_mkdir(path) < 0 && errno != EACCES)
			return fetch_host->error("cannot create '%s': %s",
						 path, strerror(errno));
		path[i] = '/';
	}
	if (cache_mkdir(path) < 0)
		return fetch_host->error("cannot create '%s': %s", path,
					 strerror(errno));
	return cache_absolute(path, abs, len);
}

/* Take the write lock on fd, waiting while another process holds it. */
static int cache_wait_lock(int fd, const char *dir)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EACCES && errno != EAGAIN)
		return -1;
	fetch_host->log(AQ_LOG_INFO, "waiting for another aq using '%s'",
			dir);
	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int fetch_cache_lock(const char *dir, int *out)
{
	char path[AQ_PATH_MAX];
	int fd;

	if (cache_path(path, sizeof(path), dir, CACHE_LOCK, "") < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fetch_host->error("cannot open '%s': %s", path,
					 strerror(errno));
	if (cache_wait_lock(fd, dir) < 0) {
		fetch_host->error("cannot lock '%s': %s", path,
				  strerror(errno));
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

void fetch_cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * The digest our sidecar of dir/name records: 0, or AQ_ENOTFOUND when
 * there is none that can be read and trusted (no error recorded: the
 * image is then skipped, or hashed again).
 */
static int cache_sidecar(const char *dir, const char *name,
			 char digest[AQ_DIGEST_HEX])
{
	char path[AQ_PATH_MAX], buf[FETCH_SIDECAR_CAP], err[256];
	size_t len = 0;
	ssize_t r;
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/%s.sha512", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return AQ_ENOTFOUND;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return AQ_ENOTFOUND;
	while (len < sizeof(buf)) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (fetch_sidecar_parse(buf, len, name, digest, err,
				sizeof(err)) < 0) {
		fetch_host->log(AQ_LOG_DEBUG, "ignoring '%s': %s", path, err);
		return AQ_ENOTFOUND;
	}
	return 0;
}

static int cache_write_all(int fd, const char *data, size_t len)
{
	size_t done = 0;
	ssize_t w;

	while (done < len) {
		w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Replace dir/name.sha512 atomically with "DIGEST  NAME". */
static int cache_write_sidecar(const char *dir, const char *name,
			       const char *digest)
{
	char tmp[AQ_PATH_MAX], path[AQ_PATH_MAX], line[512];
	int fd, n;

	if (cache_path(tmp, sizeof(tmp), dir, name, ".sha512.tmp") < 0 ||
	    cache_path(path, sizeof(path), dir, name, ".sha512") < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%s  %s\n", digest, name);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fetch_host->error("cannot write '%s': the name is too "
					 "long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fetch_host->error("cannot create '%s': %s", tmp,
					 strerror(errno));
	if (cache_write_all(fd, line, (size_t)n) < 0 || fsync(fd) < 0) {
		fetch_host->error("cannot write '%s': %s", tmp,
				  strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		fetch_host->error("cannot rename '%s': %s", tmp,
				  strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Feed the whole file at fd into ctx. */
static int cache_hash_file(EVP_MD_CTX *ctx, int fd, const char *path)
{
	char *buf = malloc(CACHE_CHUNK);
	off_t at = 0;
	ssize_t r;
	int ret = -1;

	if (!buf) {
		fetch_host->error("cannot hash '%s': out of memory", path);
		goto out;
	}
	for (;;) {
		r = pread(fd, buf, CACHE_CHUNK, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fetch_host->error("cannot read '%s': %s", path,
					  strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)r)) {
			fetch_host->error("cannot hash '%s': sha512 failed",
					  path);
			goto out;
		}
		at += r;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

int fetch_cache_digest(int fd, const char *path, char hex[AQ_DIGEST_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ret = -1;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha512(), NULL)) {
		fetch_host->error("cannot hash '%s': sha512 is unavailable",
				  path);
		goto out;
	}
	if (cache_hash_file(ctx, fd, path) < 0)
		goto out;
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) ||
	    mdlen * 2 + 1 != AQ_DIGEST_HEX) {
		fetch_host->error("cannot hash '%s': sha512 failed", path);
		goto out;
	}
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * mdlen] = '\0';
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int fetch_cache_describe(const char *dir, const char *name,
			 const char *digest, struct aq_image *out)
{
	struct aq_image img;
	int n;

	memset(&img, 0, sizeof(img));
	if (fetch_image_name_version(name, img.version,
				     sizeof(img.version)) < 0)
		return fetch_host->error("cannot use '%s': not an image name",
					 name);
	if (cache_path(img.path, sizeof(img.path), dir, name, "") < 0)
		return -1;
	n = snprintf(img.file, sizeof(img.file), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(img.file) ||
	    !fetch_digest_valid(digest))
		return fetch_host->error("cannot use '%s': bad name or digest",
					 name);
	memcpy(img.sha512, digest, AQ_DIGEST_HEX);
	*out = img;
	return 0;
}

/* Whether name is newer than the best so far (version, then build). */
static int cache_newer(const char *version, int build, const char *best,
		       int best_build)
{
	int c;

	if (!best[0])
		return 1;
	c = fetch_version_cmp(version, best);
	return c > 0 || (c == 0 && build > best_build);
}

int fetch_cache_newest(const char *dir, const struct aq_image_request *req,
		       struct aq_image *out)
{
	char best[256] = "", best_digest[AQ_DIGEST_HEX], bestv[32] = "";
	char version[32], digest[AQ_DIGEST_HEX], path[AQ_PATH_MAX];
	int build, best_build = -1;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return fetch_host->error("cannot read '%s': %s", dir,
					 strerror(errno));
	while ((de = readdir(d))) {
		if (fetch_image_name_parse(de->d_name, req->arch,
					   req->firmware, req->variant,
					   version, sizeof(version),
					   &build) < 0 ||
		    !cache_newer(version, build, bestv, best_build) ||
		    strlen(de->d_name) >= sizeof(best) ||
		    cache_path(path, sizeof(path), dir, de->d_name, "") < 0 ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (cache_sidecar(dir, de->d_name, digest) != 0)
			continue;
		memcpy(best, de->d_name, strlen(de->d_name) + 1);
		memcpy(bestv, version, sizeof(bestv));
		memcpy(best_digest, digest, sizeof(best_digest));
		best_build = build;
	}
	closedir(d);
	if (!best[0])
		return AQ_ENOTFOUND;
	return fetch_cache_describe(dir, best, best_digest, out);
}

/* The error for a cached file that is not what the mirror publishes. */
static int cache_conflict(const char *path, const char *have,
			  const char *url, const char *want)
{
	return fetch_host->error("cannot update '%s': its sha512 is %s but "
				 "'%s' now publishes %s; it may back VMs' "
				 "disks, so move it away yourself", path,
				 have, url, want);
}

int fetch_cache_have(const char *dir, const char *name, const char *digest,
		     const char *url, struct aq_image *out)
{
	char path[AQ_PATH_MAX], have[AQ_DIGEST_HEX];
	struct stat st;
	int fd, ret;

	if (cache_path(path, sizeof(path), dir, name, "") < 0)
		return -1;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return AQ_ENOTFOUND;
		return fetch_host->error("cannot use '%s': %s", path,
					 strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return fetch_host->error("cannot use '%s': not a regular "
					 "file", path);
	if (cache_sidecar(dir, name, have) != 0) {
		/* the sidecar was lost: the file itself decides */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fetch_host->error("cannot open '%s': %s", path,
						 strerror(errno));
		ret = fetch_cache_digest(fd, path, have);
		close(fd);
		if (ret < 0)
			return -1;
		if (strcmp(have, digest) == 0 &&
		    cache_write_sidecar(dir, name, digest) < 0)
			return -1;
	}
	if (strcmp(have, digest) != 0)
		return cache_conflict(path, have, url, digest);
	return fetch_cache_describe(dir, name, digest, out);
}

static int cache_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = -1;
	close(fd);
	return ret;
}

int fetch_cache_commit(const char *dir, const char *name, int fd,
		       const char *digest)
{
	char part[AQ_PATH_MAX], path[AQ_PATH_MAX];

	if (cache_path(part, sizeof(part), dir, name, ".part") < 0 ||
	    cache_path(path, sizeof(path), dir, name, "") < 0)
		return -1;
	if (fsync(fd) < 0 || fchmod(fd, 0444) < 0)
		return fetch_host->error("cannot finish '%s': %s", part,
					 strerror(errno));
	/* sidecar first: an image under its final name always has one */
	if (cache_write_sidecar(dir, name, digest) < 0)
		return -1;
	if (rename(part, path) < 0) {
		fetch_host->error("cannot rename '%s': %s", part,
				  strerror(errno));
		/* writable again, so the next attempt can reuse it */
		fchmod(fd, 0600);
		return -1;
	}
	if (cache_sync_dir(dir) < 0)
		return fetch_host->error("cannot sync '%s': %s", dir,
					 strerror(errno));
	return 0;
}
