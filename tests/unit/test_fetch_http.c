/*
 * The fetch-curl plugin end to end: the built plugin, loaded with dlopen
 * behind a small test host, fetches from mirror trees served over
 * loopback HTTP and from file://.  Two servers serve the same trees:
 * tests/mirror-server.py, which honours ranges (python3 -m http.server
 * stands in if it is missing), and python3 -m http.server, which does
 * not, for resuming from a server that cannot.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "aq/plugin.h"

#define IMAGE_SIZE (4 * 1024 * 1024 + 123)
#define VERSION "3.99.1"
#define BRANCH "v3.99"

static const struct aq_plugin *plugin;
static void *handle;
static char root[256];		/* the temporary tree of the whole test */
static char served[512];	/* what the servers serve: mirrors */

struct test_server {
	pid_t pid;
	int port;
	char log[512];
};

static struct test_server ranged = { -1, 0, "" };
static struct test_server plain = { -1, 0, "" };
static char last_error[4096];
static int errors;
static int interactive;
static char image[1024];		/* the published image, for comparing */
static char image_digest[AQ_DIGEST_HEX];

/* --- the test host --- */

static void host_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == AQ_LOG_DEBUG && !getenv("AQ_DEBUG"))
		return;
	fputs("plugin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int host_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	if (getenv("AQ_DEBUG"))
		fprintf(stderr, "error: %s\n", last_error);
	errors++;
	return -1;
}

static const char *host_config(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return NULL;
}

static const char *host_home(void)
{
	return root;
}

static int host_argv_add(struct aq_argv *argv, const char *arg)
{
	(void)argv;
	(void)arg;
	return -1;
}

static int host_run(const char *const argv[], char *errbuf, size_t errlen)
{
	(void)argv;
	(void)errbuf;
	(void)errlen;
	return host_error("run is not offered by the test host");
}

static int host_interactive(void)
{
	return interactive;
}

static const struct aq_host host = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.log = host_log,
	.error = host_error,
	.config = host_config,
	.home = host_home,
	.argv_add = host_argv_add,
	.run = host_run,
	.interactive = host_interactive,
};

/* --- files --- */

static void path_join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	assert_true(n > 0 && (size_t)n < len);
}

static void mkdirs(const char *path)
{
	char p[1024];
	size_t i;

	assert_true(strlen(path) < sizeof(p));
	memcpy(p, path, strlen(path) + 1);
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
		p[i] = '/';
	}
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static int exists(const char *dir, const char *name)
{
	char p[1024];
	struct stat st;

	path_join(p, sizeof(p), dir, name);
	return stat(p, &st) == 0;
}

static void sha512_hex(const void *data, size_t len, char hex[AQ_DIGEST_HEX])
{
	unsigned char md[64];
	unsigned int mdlen = 0, i;

	assert_true(EVP_Digest(data, len, md, &mdlen, EVP_sha512(), NULL));
	assert_int_equal(mdlen, 64);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void remove_tree(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* --- the mirror trees --- */

static void put_releases(const char *mirror, const char *text)
{
	char dir[1024], p[1100];

	snprintf(dir, sizeof(dir), "%s/latest-stable/releases/x86_64",
		 mirror);
	mkdirs(dir);
	path_join(p, sizeof(p), dir, "latest-releases.yaml");
	write_file(p, text, strlen(text));
}

static void put_release_list(const char *mirror)
{
	put_releases(mirror,
		     "---\n"
		     "-\n"
		     "  title: \"Standard\"\n"
		     "  branch: " BRANCH "\n"
		     "  arch: x86_64\n"
		     "  version: " VERSION "\n"
		     "  flavor: alpine-standard\n"
		     "  file: alpine-standard-" VERSION "-x86_64.iso\n"
		     "-\n"
		     "  title: \"Virtual\"\n"
		     "  branch: " BRANCH "\n"
		     "  arch: x86_64\n"
		     "  version: " VERSION "\n"
		     "  flavor: alpine-virt\n"
		     "  file: alpine-virt-" VERSION "-x86_64.iso\n");
}

/* Publish build r<build> of the image in mirror, with a sidecar. */
static void put_image(const char *mirror, int build, const char *data,
		      size_t len, const char *sidecar_digest)
{
	char dir[1024], name[128], p[1200], line[400];

	snprintf(dir, sizeof(dir), "%s/" BRANCH "/releases/cloud", mirror);
	mkdirs(dir);
	snprintf(name, sizeof(name), "nocloud_alpine-" VERSION
		 "-x86_64-bios-tiny-r%d.qcow2", build);
	path_join(p, sizeof(p), dir, name);
	write_file(p, data, len);
	snprintf(line, sizeof(line), "%s  %s\n", sidecar_digest, name);
	snprintf(p, sizeof(p), "%s/%s.sha512", dir, name);
	write_file(p, line, strlen(line));
}

static void make_mirrors(char *data, size_t len)
{
	char m[600], other[AQ_DIGEST_HEX], zero[AQ_DIGEST_HEX];
	char four[AQ_DIGEST_HEX];

	sha512_hex(data, len, image_digest);
	sha512_hex("something else", 14, other);
	sha512_hex("zero", 4, zero);
	sha512_hex("four", 4, four);

	path_join(m, sizeof(m), served, "good");
	put_release_list(m);
	put_image(m, 0, data, len, image_digest);
	snprintf(image, sizeof(image), "%s/" BRANCH "/releases/cloud/"
		 "nocloud_alpine-" VERSION "-x86_64-bios-tiny-r0.qcow2", m);

	path_join(m, sizeof(m), served, "builds");
	put_release_list(m);
	put_image(m, 0, "zero", 4, zero);
	put_image(m, 1, data, len, image_digest);
	put_image(m, 2, data, len, image_digest);
	put_image(m, 4, "four", 4, four);

	path_join(m, sizeof(m), served, "gap");
	put_release_list(m);
	put_image(m, 3, data, len, image_digest);

	path_join(m, sizeof(m), served, "bad");
	put_release_list(m);
	put_image(m, 0, data, len, other);

	path_join(m, sizeof(m), served, "unpublished");
	put_release_list(m);

	path_join(m, sizeof(m), served, "garbage");
	put_releases(m, "- {version: " VERSION ",\n  flavor: alpine-virt\n\n");
}

/* --- the server --- */

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	p = ntohs(sa.sin_port);
	close(fd);
	return p;
}

static int can_connect(int p)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int have_range_server(void)
{
	return access(AQ_SOURCE_DIR "/tests/mirror-server.py", R_OK) == 0;
}

/* The port mirror-server.py wrote into portfile, or 0 before it has. */
static int read_port(const char *portfile)
{
	char *text;
	size_t len = 0;
	long p;

	text = read_file(portfile, &len);
	if (!text)
		return 0;
	p = strtol(text, NULL, 10);
	free(text);
	return p > 0 && p < 65536 ? (int)p : 0;
}

static void start_server(struct test_server *srv, int ranges)
{
	char ports[16], portfile[600];
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i, fd;

	snprintf(portfile, sizeof(portfile), "%s.port", srv->log);
	ranges = ranges && have_range_server();
	srv->port = ranges ? 0 : free_port();
	snprintf(ports, sizeof(ports), "%d", srv->port);
	srv->pid = fork();
	assert_true(srv->pid >= 0);
	if (srv->pid == 0) {
		fd = open(srv->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(127);
		if (ranges)
			execlp("python3", "python3", "-u", AQ_SOURCE_DIR
			       "/tests/mirror-server.py", served, portfile,
			       (char *)NULL);
		else
			execlp("python3", "python3", "-u", "-m",
			       "http.server", "--bind", "127.0.0.1",
			       "--directory", served, ports, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (!srv->port)
			srv->port = read_port(portfile);
		if (srv->port && can_connect(srv->port))
			break;
		nanosleep(&ts, NULL);
	}
	assert_true(srv->port && can_connect(srv->port));
}

static void stop_server(struct test_server *srv)
{
	if (srv->pid <= 0)
		return;
	kill(srv->pid, SIGTERM);
	waitpid(srv->pid, NULL, 0);
	srv->pid = -1;
}

/* How many requests for path the server log shows, with this status. */
static int served_count(const struct test_server *srv, const char *path,
			const char *status)
{
	char *log, *p, pattern[600];
	size_t len = 0;
	int n = 0;

	log = read_file(srv->log, &len);
	assert_non_null(log);
	snprintf(pattern, sizeof(pattern), "\"GET %s HTTP/1.1\" %s", path,
		 status);
	for (p = log; (p = strstr(p, pattern)); p++)
		n++;
	free(log);
	return n;
}

/* --- running the plugin --- */

static char cache[600];

static int fetch(const char *mirror, int refresh, struct aq_image *out)
{
	struct aq_image_request req = {
		.mirror = mirror,
		.arch = "x86_64",
		.firmware = "bios",
		.variant = "tiny",
		.cache_dir = cache,
		.refresh = refresh,
	};

	int ret;

	errors = 0;
	last_error[0] = '\0';
	memset(out, 0, sizeof(*out));
	ret = plugin->fetch_image(&req, out);
	/* an error is recorded exactly when the hook fails */
	if ((ret == 0) != (errors == 0))
		fail_msg("returned %d with %d errors ('%s')", ret, errors,
			 last_error);
	return ret;
}

static void http_mirror(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "http://127.0.0.1:%d/%s", ranged.port, name);
}

static void new_cache(const char *name)
{
	path_join(cache, sizeof(cache), root, name);
	remove_tree(cache);
}

/* The image in the cache is the published one, read-only, alone. */
static void check_cached(const struct aq_image *img, const char *name)
{
	char p[1200], *a, *b, *side;
	size_t alen = 0, blen = 0, slen = 0;
	struct stat st;

	path_join(p, sizeof(p), cache, name);
	assert_string_equal(img->path, p);
	assert_string_equal(img->file, name);
	assert_string_equal(img->version, VERSION);
	assert_string_equal(img->sha512, image_digest);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	a = read_file(p, &alen);
	b = read_file(image, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	snprintf(p, sizeof(p), "%s/%s.sha512", cache, name);
	side = read_file(p, &slen);
	assert_non_null(side);
	assert_non_null(strstr(side, image_digest));
	free(side);
	snprintf(p, sizeof(p), "%s.part", name);
	assert_false(exists(cache, p));
}

static void expect_error(int ret, const char *want)
{
	assert_int_equal(ret, -1);
	assert_int_equal(errors, 1);
	if (!strstr(last_error, want))
		fail_msg("error '%s' lacks '%s'", last_error, want);
}

#define R0 "nocloud_alpine-" VERSION "-x86_64-bios-tiny-r0.qcow2"
#define R0_PATH "/good/" BRANCH "/releases/cloud/" R0

static void test_download(void **state)
{
	struct aq_image img;
	char m[128];
	int before;

	(void)state;
	new_cache("download/deeper");
	http_mirror(m, sizeof(m), "good");
	before = served_count(&ranged, R0_PATH, "200");
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);
	assert_int_equal(served_count(&ranged, R0_PATH, "200"), before + 1);

	/* cached: no network at all, even with the mirror gone */
	assert_int_equal(fetch("http://127.0.0.1:1", 0, &img), 0);
	check_cached(&img, R0);

	/* refresh: resolved again, but the same image is not fetched */
	assert_int_equal(fetch(m, 1, &img), 0);
	check_cached(&img, R0);
	assert_int_equal(served_count(&ranged, R0_PATH, "200"), before + 1);
}

static void test_file_mirror(void **state)
{
	struct aq_image img;
	char m[700];

	(void)state;
	new_cache("file");
	snprintf(m, sizeof(m), "file://%s/good/", served);
	assert_int_equal(fetch(m, 1, &img), 0);
	check_cached(&img, R0);
}

/* Put the first len bytes of what into the cache's .part of R0. */
static void put_part(const char *data, size_t len)
{
	char p[1200];

	mkdirs(cache);
	path_join(p, sizeof(p), cache, R0 ".part");
	write_file(p, data, len);
}

static void test_resume(void **state)
{
	struct aq_image img;
	char m[128], *data;
	size_t len = 0;

	(void)state;
	data = read_file(image, &len);
	assert_non_null(data);
	http_mirror(m, sizeof(m), "good");

	/* a truncated download is continued (or restarted without ranges) */
	new_cache("resume");
	put_part(data, len / 3);
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);
	if (have_range_server())
		assert_true(served_count(&ranged, R0_PATH, "206") >= 1);

	/* a partial file of something else: detected, downloaded again */
	new_cache("resume-stale");
	memset(data, 'x', len / 2);
	put_part(data, len / 2);
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);

	/* longer than the image: the range is refused, start over */
	new_cache("resume-long");
	data = realloc(data, len + 100);
	assert_non_null(data);
	memset(data, 'y', len + 100);
	put_part(data, len + 100);
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);

	/* a complete .part left by a crash before the rename */
	free(data);
	data = read_file(image, &len);
	new_cache("resume-complete");
	put_part(data, len);
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);
	free(data);
}

static void test_resume_without_ranges(void **state)
{
	struct aq_image img;
	char m[128], *data;
	size_t len = 0;

	(void)state;
	data = read_file(image, &len);
	assert_non_null(data);
	snprintf(m, sizeof(m), "http://127.0.0.1:%d/good", plain.port);
	new_cache("no-ranges");
	put_part(data, len / 3);
	free(data);
	assert_int_equal(fetch(m, 0, &img), 0);
	check_cached(&img, R0);
	/* the whole file twice: curl gives up on the first 200 */
	assert_int_equal(served_count(&plain, R0_PATH, "206"), 0);
	assert_int_equal(served_count(&plain, R0_PATH, "200"), 2);
}

static void test_digest_mismatch(void **state)
{
	struct aq_image img;
	char m[128], url[300], other[AQ_DIGEST_HEX];

	(void)state;
	new_cache("mismatch");
	http_mirror(m, sizeof(m), "bad");
	sha512_hex("something else", 14, other);
	expect_error(fetch(m, 0, &img), "cannot verify '");
	snprintf(url, sizeof(url), "%s/" BRANCH "/releases/cloud/" R0, m);
	assert_non_null(strstr(last_error, url));
	assert_non_null(strstr(last_error, image_digest));
	assert_non_null(strstr(last_error, other));
	assert_false(exists(cache, R0));
	assert_false(exists(cache, R0 ".part"));
	assert_false(exists(cache, R0 ".sha512"));
	assert_string_equal(img.file, "");
}

static void test_builds(void **state)
{
	struct aq_image img;
	char m[128];

	(void)state;
	/* r0, r1, r2 then a gap: r2 (r4 beyond the gap is not looked at) */
	new_cache("builds");
	http_mirror(m, sizeof(m), "builds");
	assert_int_equal(fetch(m, 0, &img), 0);
	assert_string_equal(img.file, "nocloud_alpine-" VERSION
			    "-x86_64-bios-tiny-r2.qcow2");
	assert_string_equal(img.sha512, image_digest);

	/* only r3 published */
	new_cache("gap");
	http_mirror(m, sizeof(m), "gap");
	assert_int_equal(fetch(m, 0, &img), 0);
	assert_string_equal(img.file, "nocloud_alpine-" VERSION
			    "-x86_64-bios-tiny-r3.qcow2");
}

static void test_unpublished(void **state)
{
	struct aq_image img;
	char m[128], good[128];

	(void)state;
	new_cache("unpublished");
	http_mirror(m, sizeof(m), "unpublished");
	expect_error(fetch(m, 0, &img), "Alpine " VERSION " has no bios-tiny "
		     "x86_64 cloud image published yet");
	assert_non_null(strstr(last_error, m));

	/* with an older image cached, aq keeps using it (and warns) */
	http_mirror(good, sizeof(good), "good");
	assert_int_equal(fetch(good, 0, &img), 0);
	assert_int_equal(fetch(m, 1, &img), 0);
	check_cached(&img, R0);
}

static void test_http_errors(void **state)
{
	struct aq_image img;
	char m[128], want[300];

	(void)state;
	new_cache("errors");
	http_mirror(m, sizeof(m), "nowhere");
	snprintf(want, sizeof(want), "cannot fetch '%s/latest-stable/"
		 "releases/x86_64/latest-releases.yaml': the server answered "
		 "HTTP 404", m);
	expect_error(fetch(m, 0, &img), want);

	snprintf(m, sizeof(m), "http://127.0.0.1:%d", free_port());
	snprintf(want, sizeof(want), "cannot fetch '%s/latest-stable/", m);
	expect_error(fetch(m, 0, &img), want);
	assert_non_null(strstr(last_error, "onnect"));

	http_mirror(m, sizeof(m), "garbage");
	expect_error(fetch(m, 0, &img), "cannot read the release list '");
	assert_non_null(strstr(last_error, "latest-releases.yaml': line 4 "
				   "column 1: did not find expected ','"));

	expect_error(fetch("file:///nonexistent/aq", 0, &img),
		     "cannot fetch 'file:///nonexistent/aq/latest-stable/");
	expect_error(fetch("gopher://127.0.0.1/", 0, &img), "cannot fetch '");
	assert_false(exists(cache, R0));

	http_mirror(m, sizeof(m), "good");
	snprintf(cache, sizeof(cache), "/dev/null/images");
	expect_error(fetch(m, 0, &img), "cannot create '/dev/null': ");
}

/* Lay a fake cached image of version v down, as the plugin would. */
static void put_cached(const char *v, int build, const char *digest)
{
	char name[200], p[1200], line[400];

	snprintf(name, sizeof(name), "nocloud_alpine-%s-x86_64-bios-tiny-"
		 "r%d.qcow2", v, build);
	path_join(p, sizeof(p), cache, name);
	write_file(p, "img", 3);
	snprintf(line, sizeof(line), "%s  %s\n", digest, name);
	snprintf(p, sizeof(p), "%s/%s.sha512", cache, name);
	write_file(p, line, strlen(line));
}

static void test_newest_cached(void **state)
{
	struct aq_image img;
	char p[1200];

	(void)state;
	new_cache("newest");
	mkdirs(cache);
	put_cached("3.9.4", 0, image_digest);
	put_cached("3.10.0", 0, image_digest);
	put_cached("3.10.0", 1, image_digest);
	put_cached("3.10.0_rc1", 3, image_digest);
	/* newer, but without a valid sidecar: not trusted */
	put_cached("3.11.0", 0, "nonsense");
	path_join(p, sizeof(p), cache, "nocloud_alpine-3.12.0-x86_64-bios-"
		  "tiny-r0.qcow2");
	write_file(p, "img", 3);
	assert_int_equal(fetch("http://127.0.0.1:1", 0, &img), 0);
	assert_string_equal(img.version, "3.10.0");
	assert_string_equal(img.file, "nocloud_alpine-3.10.0-x86_64-bios-"
			    "tiny-r1.qcow2");
	assert_string_equal(img.sha512, image_digest);
}

static void test_cached_conflict(void **state)
{
	struct aq_image img;
	char m[128], other[AQ_DIGEST_HEX];

	(void)state;
	new_cache("conflict");
	mkdirs(cache);
	sha512_hex("img", 3, other);
	put_cached(VERSION, 0, other);
	http_mirror(m, sizeof(m), "good");
	expect_error(fetch(m, 1, &img), "cannot update '");
	assert_non_null(strstr(last_error, other));
	assert_non_null(strstr(last_error, image_digest));
	assert_true(exists(cache, R0));
}

static void test_lost_sidecar(void **state)
{
	struct aq_image img;
	char m[128], p[1200];

	(void)state;
	new_cache("lost");
	http_mirror(m, sizeof(m), "good");
	assert_int_equal(fetch(m, 0, &img), 0);
	path_join(p, sizeof(p), cache, R0 ".sha512");
	assert_int_equal(unlink(p), 0);
	/* hashed again against the mirror, and the sidecar restored */
	assert_int_equal(fetch(m, 1, &img), 0);
	check_cached(&img, R0);
}

static void test_race(void **state)
{
	char m[128], path[300];
	pid_t kids[2];
	int i, status, before;

	(void)state;
	new_cache("race");
	http_mirror(m, sizeof(m), "good");
	snprintf(path, sizeof(path), R0_PATH);
	before = served_count(&ranged, path, "200");
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct aq_image img;

			_exit(fetch(m, 0, &img) == 0 &&
			      strcmp(img.sha512, image_digest) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(served_count(&ranged, path, "200"), before + 1);
}

/* Fetch into a new cache with stderr captured; return what it got. */
static char *fetch_captured(const char *name, int tty)
{
	struct aq_image img;
	char m[128], p[700], *out;
	size_t len = 0;
	int saved, fd, ret;

	new_cache(name);
	http_mirror(m, sizeof(m), "good");
	path_join(p, sizeof(p), root, "stderr.txt");
	fflush(stderr);
	saved = dup(2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	interactive = tty;
	ret = fetch(m, 0, &img);
	interactive = 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(ret, 0);
	out = read_file(p, &len);
	assert_non_null(out);
	return out;
}

static void test_progress(void **state)
{
	char *out;

	(void)state;
	out = fetch_captured("progress", 1);
	assert_non_null(strstr(out, "\r  100%  4.0 MiB of 4.0 MiB  "));
	assert_non_null(strstr(out, "MiB/s\n"));
	free(out);

	/* not a terminal: no progress line at all */
	out = fetch_captured("no-progress", 0);
	assert_null(strchr(out, '\r'));
	assert_null(strstr(out, "100%"));
	free(out);
}

static int setup(void **state)
{
	int (*init)(const struct aq_host *);
	char *data;
	size_t i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/aq-test-fetch-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	path_join(served, sizeof(served), root, "served");
	path_join(ranged.log, sizeof(ranged.log), root, "ranged.log");
	path_join(plain.log, sizeof(plain.log), root, "plain.log");
	data = malloc(IMAGE_SIZE);
	if (!data)
		return -1;
	srand(42);
	for (i = 0; i < IMAGE_SIZE; i++)
		data[i] = (char)(rand() >> 7);
	make_mirrors(data, IMAGE_SIZE);
	free(data);
	start_server(&ranged, 1);
	start_server(&plain, 0);
	handle = dlopen(FETCH_PLUGIN, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	plugin = dlsym(handle, AQ_PLUGIN_SYMBOL);
	if (!plugin || plugin->abi_version != AQ_PLUGIN_ABI_VERSION ||
	    plugin->concern != AQ_CONCERN_FETCH ||
	    strcmp(plugin->name, "curl") != 0 || !plugin->fetch_image ||
	    plugin->disk_create)
		return -1;
	init = plugin->init;
	return init(&host);
}

static int teardown(void **state)
{
	(void)state;
	if (plugin)
		plugin->fini();
	if (handle)
		dlclose(handle);
	stop_server(&ranged);
	stop_server(&plain);
	if (root[0] && !getenv("AQ_TEST_KEEP"))
		remove_tree(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_download),
		cmocka_unit_test(test_file_mirror),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_resume_without_ranges),
		cmocka_unit_test(test_digest_mismatch),
		cmocka_unit_test(test_builds),
		cmocka_unit_test(test_unpublished),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_newest_cached),
		cmocka_unit_test(test_cached_conflict),
		cmocka_unit_test(test_lost_sidecar),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_progress),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
