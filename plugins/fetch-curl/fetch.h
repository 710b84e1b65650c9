/*
 * What the files of the fetch-curl plugin share: the host, the libcurl
 * transfers (http.c) and the image cache (cache.c).  Internal: nothing
 * here is exported from the plugin.
 *
 * Functions return 0 on success and -1 with host->error() called once,
 * except where a comment says AQ_ENOTFOUND, which is returned without an
 * error recorded so the caller can decide what a missing thing means.
 */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>

#include "aq/plugin.h"

/* Set by init(), cleared by fini(). */
extern const struct aq_host *fetch_host;

/* --- http.c --- */

/* One libcurl handle, reused so that requests to a mirror share it. */
struct fetch_http;

int fetch_http_open(struct fetch_http **out);
void fetch_http_close(struct fetch_http *h);

/*
 * GET url (http, https or file) into a NUL-terminated malloc'd buffer
 * of at most cap bytes.  With missing_ok, a missing file (HTTP 404/410,
 * no such file) returns AQ_ENOTFOUND instead of an error.
 */
int fetch_http_get(struct fetch_http *h, const char *url, size_t cap,
		   int missing_ok, char **data, size_t *len);

/*
 * Download url into the file open at fd (path names it in messages),
 * continuing after the bytes already in it with a range request; when
 * the server ignores the range, start again from zero.  Draws progress
 * on stderr when the host is interactive.  *from gets the offset the
 * successful transfer started at.  On failure the file keeps what
 * arrived, for the next attempt.
 */
int fetch_http_download(struct fetch_http *h, const char *url, int fd,
			const char *path, long long *from);

/* --- cache.c --- */

/*
 * Create dir (and its parents, 0700) if missing and write its absolute
 * path into abs.
 */
int fetch_cache_prepare(const char *dir, char *abs, size_t len);

/*
 * Take the cache's exclusive lock (dir/.lock, fcntl), waiting for
 * another process holding it.  *fd is closed by fetch_cache_unlock.
 */
int fetch_cache_lock(const char *dir, int *fd);
void fetch_cache_unlock(int fd);

/*
 * The newest image in dir for req's arch, firmware and variant that
 * has a sidecar of its digest.  AQ_ENOTFOUND when there is none.
 */
int fetch_cache_newest(const char *dir, const struct aq_image_request *req,
		       struct aq_image *out);

/*
 * Whether dir holds name with the given digest: 0 and *out filled if
 * so, AQ_ENOTFOUND if there is no such file, -1 if there is one with
 * another digest (url, where that digest came from, is named).
 */
int fetch_cache_have(const char *dir, const char *name, const char *digest,
		     const char *url, struct aq_image *out);

/* The sha512 of the whole file open at fd, in lowercase hex. */
int fetch_cache_digest(int fd, const char *path, char hex[AQ_DIGEST_HEX]);

/*
 * Give the verified download dir/name.part (open at fd) its final
 * name, read-only, with its digest in the sidecar dir/name.sha512.
 */
int fetch_cache_commit(const char *dir, const char *name, int fd,
		       const char *digest);

/* Describe dir/name (an image name) with its digest. */
int fetch_cache_describe(const char *dir, const char *name,
			 const char *digest, struct aq_image *out);

#endif
