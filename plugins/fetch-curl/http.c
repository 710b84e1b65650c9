/*
 * Transfers with libcurl: small files into memory, images into a file
 * with resume and a progress line.  curl's own conventions (CURLcode,
 * the error buffer, FAILONERROR's status) stop here and become host
 * errors naming the URL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"

#ifndef FETCH_USER_AGENT
#define FETCH_USER_AGENT "aq"
#endif

/* Give up on a mirror that does not answer, or stalls below 1 KiB/s. */
#define HTTP_CONNECT_TIMEOUT 15L
#define HTTP_LOW_SPEED 1024L
#define HTTP_LOW_SPEED_TIME 30L
#define HTTP_SMALL_TIMEOUT 60L

/* Redraw the progress line at most this often (nanoseconds). */
#define HTTP_REDRAW_NS 200000000LL
#define HTTP_RATE_AFTER 0.5

struct fetch_http {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* A GET into memory. */
struct http_mem {
	char *data;
	size_t len;
	size_t cap;
	int too_big;
};

/* A GET into a file, with what the progress line needs. */
struct http_file {
	CURL *curl;
	int fd;
	const char *path;
	curl_off_t offset;	/* where this transfer writes from */
	curl_off_t written;
	int started;
	int write_errno;
	int progress;
	long long start_ns;
	long long drawn_ns;
	int drawn_width;
};

int fetch_http_open(struct fetch_http **out)
{
	struct fetch_http *h = calloc(1, sizeof(*h));

	if (!h)
		return fetch_host->error("cannot start a transfer: out of "
					 "memory");
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return fetch_host->error("cannot start a transfer: "
					 "curl_easy_init failed");
	}
	*out = h;
	return 0;
}

void fetch_http_close(struct fetch_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

static void http_setup(struct fetch_http *h, const char *url)
{
	CURL *c = h->curl;

	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_TIME);
	/* A mirror is HTTP(S) or a local tree; a redirect stays on HTTP(S). */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
			 CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
			 CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
}

static long http_status(struct fetch_http *h)
{
	long code = 0;

	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static int http_missing(struct fetch_http *h, CURLcode rc)
{
	long code;

	if (rc == CURLE_FILE_COULDNT_READ_FILE)
		return 1;
	if (rc != CURLE_HTTP_RETURNED_ERROR)
		return 0;
	code = http_status(h);
	return code == 404 || code == 410;
}

/* Record why the transfer of url failed, in curl's words. */
static int http_fail(struct fetch_http *h, const char *url, CURLcode rc)
{
	size_t len = strlen(h->errbuf);

	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return fetch_host->error("cannot fetch '%s': the server "
					 "answered HTTP %ld", url,
					 http_status(h));
	while (len && (h->errbuf[len - 1] == '\n' || h->errbuf[len - 1] == '.'))
		h->errbuf[--len] = '\0';
	return fetch_host->error("cannot fetch '%s': %s", url,
				 len ? h->errbuf : curl_easy_strerror(rc));
}

static size_t http_mem_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_mem *m = arg;
	size_t n = size * nmemb;
	char *p;

	if (n > m->cap - m->len) {
		m->too_big = 1;
		return 0;
	}
	p = realloc(m->data, m->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + m->len, ptr, n);
	m->data = p;
	m->len += n;
	m->data[m->len] = '\0';
	return n;
}

int fetch_http_get(struct fetch_http *h, const char *url, size_t cap,
		   int missing_ok, char **data, size_t *len)
{
	struct http_mem m = { NULL, 0, cap, 0 };
	CURLcode rc;
	int ret = -1;

	http_setup(h, url);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, HTTP_SMALL_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_mem_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &m);
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_WRITE_ERROR && m.too_big) {
		fetch_host->error("cannot fetch '%s': it is larger than %zu "
				  "bytes", url, cap);
		goto out;
	}
	if (rc != CURLE_OK && missing_ok && http_missing(h, rc)) {
		ret = AQ_ENOTFOUND;
		goto out;
	}
	if (rc != CURLE_OK) {
		http_fail(h, url, rc);
		goto out;
	}
	if (!m.data && !(m.data = calloc(1, 1))) {
		fetch_host->error("cannot fetch '%s': out of memory", url);
		goto out;
	}
	*data = m.data;
	*len = m.len;
	m.data = NULL;
	ret = 0;
out:
	free(m.data);
	return ret;
}

static long long http_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Format a byte count in the unit that keeps it short. */
static void http_bytes(char *buf, size_t len, double n)
{
	if (n >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.2f GiB", n / (1024.0 * 1024 * 1024));
	else if (n >= 1024.0 * 1024)
		snprintf(buf, len, "%.1f MiB", n / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.0f KiB", n / 1024.0);
}

/* Draw "  42%  50.3 MiB of 120.0 MiB  8.1 MiB/s" over the last line. */
static void http_draw(struct http_file *f, curl_off_t total, long long now,
		      int final)
{
	char have[32], all[32], rate[32], line[128];
	double secs = (double)(now - f->start_ns) / 1e9;
	double done = (double)(f->offset + f->written);
	int n;

	http_bytes(have, sizeof(have), done);
	rate[0] = '\0';
	/* the first buffers arrive at once: a rate means little before */
	if (secs >= HTTP_RATE_AFTER || (final && secs > 0))
		http_bytes(rate, sizeof(rate), (double)f->written / secs);
	if (total > 0) {
		http_bytes(all, sizeof(all), (double)(f->offset + total));
		n = snprintf(line, sizeof(line), "  %3d%%  %s of %s%s%s%s",
			     (int)(done * 100 / (double)(f->offset + total)),
			     have, all, rate[0] ? "  " : "", rate,
			     rate[0] ? "/s" : "");
	} else {
		n = snprintf(line, sizeof(line), "  %s%s%s%s", have,
			     rate[0] ? "  " : "", rate, rate[0] ? "/s" : "");
	}
	if (n < 0)
		return;
	fprintf(stderr, "\r%s%*s", line,
		f->drawn_width > n ? f->drawn_width - n : 0, "");
	fflush(stderr);
	f->drawn_width = n;
	f->drawn_ns = now;
}

static int http_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			 curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_file *f = arg;
	long long now = http_now_ns();

	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	/* the end is drawn once, by http_transfer */
	if (!f->started || (dltotal > 0 && f->written >= dltotal) ||
	    (f->drawn_width && now - f->drawn_ns < HTTP_REDRAW_NS))
		return 0;
	http_draw(f, dltotal, now, 0);
	return 0;
}

/*
 * The first bytes of the body: a server that ignored the range sends
 * the whole file with 200, so what the file holds goes.
 */
static int http_file_start(struct http_file *f)
{
	long code = 0;

	f->started = 1;
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code);
	if (f->offset == 0 || code != 200)
		return 0;
	if (ftruncate(f->fd, 0) < 0) {
		f->write_errno = errno;
		return -1;
	}
	f->offset = 0;
	return 0;
}

static size_t http_file_write(char *ptr, size_t size, size_t nmemb,
			      void *arg)
{
	struct http_file *f = arg;
	size_t n = size * nmemb, done = 0;
	ssize_t w;

	if (!f->started && http_file_start(f) < 0)
		return 0;
	while (done < n) {
		w = pwrite(f->fd, ptr + done, n - done,
			   (off_t)(f->offset + f->written + (curl_off_t)done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			f->write_errno = errno;
			return 0;
		}
		done += (size_t)w;
	}
	f->written += (curl_off_t)n;
	return n;
}

static CURLcode http_transfer(struct fetch_http *h, const char *url,
			      struct http_file *f)
{
	CURLcode rc;

	http_setup(h, url);
	f->curl = h->curl;
	f->written = 0;
	f->started = 0;
	f->write_errno = 0;
	f->start_ns = http_now_ns();
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_file_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h->curl, CURLOPT_RESUME_FROM_LARGE, f->offset);
	if (f->progress) {
		curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION,
				 http_xferinfo);
		curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, f);
	}
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_OK && f->progress && f->started)
		http_draw(f, f->written, http_now_ns(), 1);
	if (f->drawn_width) {
		fputc('\n', stderr);
		f->drawn_width = 0;
	}
	return rc;
}

/* The error of a failed download, saying what was kept for next time. */
static int http_download_fail(struct fetch_http *h, const char *url,
			      const struct http_file *f, CURLcode rc)
{
	struct stat st;

	if (f->write_errno)
		return fetch_host->error("cannot write '%s': %s", f->path,
					 strerror(f->write_errno));
	http_fail(h, url, rc);
	if (fstat(f->fd, &st) == 0 && st.st_size > 0)
		fetch_host->log(AQ_LOG_INFO, "kept %lld bytes in '%s': the "
				"next attempt resumes there",
				(long long)st.st_size, f->path);
	return -1;
}

int fetch_http_download(struct fetch_http *h, const char *url, int fd,
			const char *path, long long *from)
{
	struct http_file f;
	struct stat st;
	CURLcode rc;

	memset(&f, 0, sizeof(f));
	f.fd = fd;
	f.path = path;
	f.progress = fetch_host->interactive && fetch_host->interactive();
	if (fstat(fd, &st) < 0)
		return fetch_host->error("cannot read '%s': %s", path,
					 strerror(errno));
	f.offset = (curl_off_t)st.st_size;
	if (f.offset > 0)
		fetch_host->log(AQ_LOG_INFO, "resuming %s after %lld bytes",
				url, (long long)f.offset);
	else
		fetch_host->log(AQ_LOG_INFO, "downloading %s", url);
	rc = http_transfer(h, url, &f);
	if (rc == CURLE_RANGE_ERROR && f.offset > 0) {
		fetch_host->log(AQ_LOG_INFO, "the server cannot resume; "
				"downloading %s again", url);
		if (ftruncate(fd, 0) < 0)
			return fetch_host->error("cannot truncate '%s': %s",
						 path, strerror(errno));
		f.offset = 0;
		rc = http_transfer(h, url, &f);
	}
	/*
	 * Nothing after the offset: the file may be complete already, or
	 * be longer than the image; its digest tells.
	 */
	if (rc == CURLE_HTTP_RETURNED_ERROR && f.offset > 0 &&
	    http_status(h) == 416)
		rc = CURLE_OK;
	if (rc != CURLE_OK)
		return http_download_fail(h, url, &f, rc);
	*from = (long long)f.offset;
	return 0;
}
