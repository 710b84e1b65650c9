/*
 * The fetch plugin "curl": finds the latest stable Alpine release on a
 * mirror, the newest published NoCloud image of it, and keeps a verified
 * copy in the cache.  Without refresh, a cached image is enough and the
 * network is not touched, so creating a VM works offline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "mirror.h"

#if defined(__GNUC__)
#define FETCH_EXPORT __attribute__((visibility("default")))
#else
#define FETCH_EXPORT
#endif

const struct aq_host *fetch_host;

/* The image the mirror publishes for a request. */
struct fetch_target {
	struct fetch_release release;
	char name[256];
	char url[AQ_PATH_MAX];
	char digest[AQ_DIGEST_HEX];
};

static int fetch_init(const struct aq_host *host)
{
	fetch_host = host;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return host->error("cannot initialize libcurl");
	return 0;
}

static void fetch_fini(void)
{
	curl_global_cleanup();
	fetch_host = NULL;
}

static int fetch_check_request(const struct aq_image_request *req)
{
	if (!req->mirror || !req->mirror[0])
		return fetch_host->error("cannot fetch an image: no mirror "
					 "is set");
	if (!req->cache_dir || !req->cache_dir[0])
		return fetch_host->error("cannot fetch an image: no cache "
					 "directory is set");
	if (!req->arch || !fetch_token_valid(req->arch) ||
	    !req->firmware || !fetch_token_valid(req->firmware) ||
	    !req->variant || !fetch_token_valid(req->variant))
		return fetch_host->error("cannot fetch an image: bad arch, "
					 "firmware or variant");
	return 0;
}

/* Read the mirror's latest-releases.yaml for req->arch. */
static int fetch_release(struct fetch_http *h,
			 const struct aq_image_request *req,
			 struct fetch_release *out)
{
	char url[AQ_PATH_MAX], err[512];
	char *data = NULL;
	size_t len = 0;
	int ret = -1;

	if (fetch_releases_url(url, sizeof(url), req->mirror, req->arch) < 0)
		return fetch_host->error("cannot use mirror '%s': the URL is "
					 "too long", req->mirror);
	fetch_host->log(AQ_LOG_DEBUG, "reading '%s'", url);
	if (fetch_http_get(h, url, FETCH_RELEASES_CAP, 0, &data, &len) < 0)
		return -1;
	if (fetch_releases_parse(data, len, req->arch, out, err,
				 sizeof(err)) < 0) {
		fetch_host->error("cannot read the release list '%s': %s",
				  url, err);
		goto out;
	}
	fetch_host->log(AQ_LOG_DEBUG, "latest stable release: %s (%s)",
			out->version, out->branch);
	ret = 0;
out:
	free(data);
	return ret;
}

/* Fetch and check the .sha512 of one build: AQ_ENOTFOUND if absent. */
static int fetch_probe(struct fetch_http *h, const char *mirror,
		       struct fetch_target *t)
{
	char url[AQ_PATH_MAX + 8], err[512];
	char *data = NULL;
	size_t len = 0;
	int ret, n;

	n = snprintf(url, sizeof(url), "%s.sha512", t->url);
	if (n < 0 || (size_t)n >= sizeof(url))
		return fetch_host->error("cannot use mirror '%s': the URL is "
					 "too long", mirror);
	ret = fetch_http_get(h, url, FETCH_SIDECAR_CAP, 1, &data, &len);
	if (ret != 0)
		return ret;
	ret = fetch_sidecar_parse(data, len, t->name, t->digest, err,
				  sizeof(err));
	if (ret < 0)
		fetch_host->error("cannot read the digest '%s': %s", url, err);
	free(data);
	return ret;
}

/*
 * The highest image build published: r0 up, stopping at the first gap
 * after a hit, since builds are numbered from r0 but an old one may be
 * withdrawn.
 */
static int fetch_find(struct fetch_http *h, const struct aq_image_request *req,
		      const struct fetch_release *rel, struct fetch_target *out)
{
	struct fetch_target t, best;
	int build, ret, found = 0;

	memset(&t, 0, sizeof(t));
	memset(&best, 0, sizeof(best));
	t.release = *rel;
	for (build = 0; build < FETCH_BUILD_MAX; build++) {
		if (fetch_image_name(t.name, sizeof(t.name),
				     t.release.version, req->arch,
				     req->firmware, req->variant, build) < 0 ||
		    fetch_image_url(t.url, sizeof(t.url), req->mirror,
				    t.release.branch, t.name) < 0)
			return fetch_host->error("cannot use mirror '%s': the "
						 "URL is too long",
						 req->mirror);
		ret = fetch_probe(h, req->mirror, &t);
		if (ret == AQ_ENOTFOUND && found)
			break;
		if (ret == AQ_ENOTFOUND)
			continue;
		if (ret < 0)
			return -1;
		best = t;
		found = 1;
	}
	if (!found)
		return AQ_ENOTFOUND;
	*out = best;
	return 0;
}

/* Say what is missing, or fall back to a cached image with a warning. */
static int fetch_unpublished(const char *dir,
			     const struct aq_image_request *req,
			     const struct fetch_release *rel,
			     struct aq_image *out)
{
	char name[256], url[AQ_PATH_MAX];
	int ret;

	if (fetch_image_name(name, sizeof(name), rel->version, req->arch,
			     req->firmware, req->variant, 0) < 0 ||
	    fetch_image_url(url, sizeof(url), req->mirror, rel->branch,
			    name) < 0)
		return fetch_host->error("cannot use mirror '%s': the URL is "
					 "too long", req->mirror);
	ret = fetch_cache_newest(dir, req, out);
	if (ret == 0) {
		fetch_host->log(AQ_LOG_WARN, "Alpine %s has no %s-%s %s cloud "
				"image published yet; keeping %s",
				rel->version, req->firmware, req->variant,
				req->arch, out->file);
		return 0;
	}
	if (ret != AQ_ENOTFOUND)
		return -1;
	return fetch_host->error("cannot fetch an image: Alpine %s has no "
				 "%s-%s %s cloud image published yet ('%s' "
				 "and r1 to r%d are missing); a release's "
				 "cloud images can appear some time after "
				 "it", rel->version, req->firmware,
				 req->variant, req->arch, url,
				 FETCH_BUILD_MAX - 1);
}

/*
 * Download into the .part open at fd until it verifies.  A resumed file
 * that does not verify may be stale, so it gets one fresh download; a
 * fresh one that does not is removed.
 */
static int fetch_verified(struct fetch_http *h, const struct fetch_target *t,
			  int fd, const char *part)
{
	char got[AQ_DIGEST_HEX];
	long long from = 0;
	int attempt;

	for (attempt = 0;; attempt++) {
		if (fetch_http_download(h, t->url, fd, part, &from) < 0 ||
		    fetch_cache_digest(fd, part, got) < 0)
			return -1;
		if (strcmp(got, t->digest) == 0)
			return 0;
		if (from == 0 || attempt > 0) {
			unlink(part);
			return fetch_host->error("cannot verify '%s': its "
						 "sha512 is %s but the mirror "
						 "publishes %s", t->url, got,
						 t->digest);
		}
		fetch_host->log(AQ_LOG_INFO, "the resumed download does not "
				"verify; downloading %s again", t->url);
		if (ftruncate(fd, 0) < 0)
			return fetch_host->error("cannot truncate '%s': %s",
						 part, strerror(errno));
	}
}

/* Download t into dir/NAME.part, verify it, and give it its name. */
static int fetch_download(struct fetch_http *h, const char *dir,
			  const struct fetch_target *t)
{
	char part[AQ_PATH_MAX];
	int fd, n, ret = -1;

	n = snprintf(part, sizeof(part), "%s/%s.part", dir, t->name);
	if (n < 0 || (size_t)n >= sizeof(part))
		return fetch_host->error("cannot use '%s': the path is too "
					 "long", dir);
	fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fetch_host->error("cannot create '%s': %s", part,
					 strerror(errno));
	if (fetch_verified(h, t, fd, part) == 0 &&
	    fetch_cache_commit(dir, t->name, fd, t->digest) == 0)
		ret = 0;
	close(fd);
	return ret;
}

/* Resolve on the mirror, then download unless the cache has it. */
static int fetch_remote(const char *dir, const struct aq_image_request *req,
			struct aq_image *out)
{
	struct fetch_http *h = NULL;
	struct fetch_release rel;
	struct fetch_target t;
	int ret = -1;

	if (fetch_http_open(&h) < 0)
		return -1;
	if (fetch_release(h, req, &rel) < 0)
		goto out;
	ret = fetch_find(h, req, &rel, &t);
	if (ret == AQ_ENOTFOUND) {
		ret = fetch_unpublished(dir, req, &rel, out);
		goto out;
	}
	if (ret < 0)
		goto out;
	ret = fetch_cache_have(dir, t.name, t.digest, t.url, out);
	if (ret != AQ_ENOTFOUND)
		goto out;
	ret = -1;
	if (fetch_download(h, dir, &t) < 0 ||
	    fetch_cache_describe(dir, t.name, t.digest, out) < 0)
		goto out;
	fetch_host->log(AQ_LOG_INFO, "verified %s", t.name);
	ret = 0;
out:
	fetch_http_close(h);
	return ret;
}

static int fetch_image(const struct aq_image_request *req,
		       struct aq_image *out)
{
	char dir[AQ_PATH_MAX];
	struct aq_image img;
	int lock = -1, ret;

	memset(&img, 0, sizeof(img));
	if (fetch_check_request(req) < 0 ||
	    fetch_cache_prepare(req->cache_dir, dir, sizeof(dir)) < 0)
		return -1;
	/* an image under its final name is complete: no lock needed */
	if (!req->refresh) {
		ret = fetch_cache_newest(dir, req, &img);
		if (ret != AQ_ENOTFOUND)
			goto out;
	}
	if (fetch_cache_lock(dir, &lock) < 0)
		return -1;
	ret = AQ_ENOTFOUND;
	if (!req->refresh)
		ret = fetch_cache_newest(dir, req, &img);
	if (ret == AQ_ENOTFOUND)
		ret = fetch_remote(dir, req, &img);
out:
	fetch_cache_unlock(lock);
	if (ret == 0)
		*out = img;
	return ret < 0 ? -1 : ret;
}

FETCH_EXPORT const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "curl",
	.concern = AQ_CONCERN_FETCH,
	.description = "Alpine cloud images from an HTTP(S) or file:// "
		       "mirror, verified and cached",
	.init = fetch_init,
	.fini = fetch_fini,
	.fetch_image = fetch_image,
};
