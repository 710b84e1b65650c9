/*
 * Extracting a guest's tar stream: what a friendly archive makes, and
 * what a hostile one cannot (escape by "..", write through a symlink,
 * link to outside, keep setuid).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "tar.h"
#include "untar.h"
#include "util.h"

struct archive {
	unsigned char *data;
	size_t len;
	int bare;		/* no end marker: the stream just stops */
};

static void add(struct archive *a, const char *name, const char *link,
		char type, unsigned int mode, const char *body)
{
	unsigned char h[TAR_HEADER_BLOCKS * TAR_BLOCK];
	size_t n, blen = body ? strlen(body) : 0;
	size_t pad = tar_padding((long long)blen);

	assert_int_equal(tar_header_make(h, &n, name, link, type, mode,
					 (long long)blen, 1700000000), 0);
	a->data = realloc(a->data, a->len + n * TAR_BLOCK + blen + pad +
			  2 * TAR_BLOCK);
	assert_non_null(a->data);
	memcpy(a->data + a->len, h, n * TAR_BLOCK);
	a->len += n * TAR_BLOCK;
	memcpy(a->data + a->len, body ? body : "", blen);
	a->len += blen;
	memset(a->data + a->len, 0, pad + 2 * TAR_BLOCK);
	a->len += pad;
}

/* Extract a (with its end marker) into dir; returns untar's result. */
static int extract(struct archive *a, const char *dir, const char *from,
		   const char *to)
{
	char file[] = "/tmp/aq-test-untar.XXXXXX";
	struct untar u;
	int fd = mkstemp(file), r;
	size_t n;

	assert_true(fd >= 0);
	unlink(file);
	n = a->len + (a->bare ? 0 : 2 * TAR_BLOCK);
	assert_int_equal(write(fd, a->data, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	aq_error_clear();
	assert_int_equal(untar_open(&u, dir, from, to), 0);
	r = untar_extract(&u, fd);
	untar_close(&u);
	close(fd);
	free(a->data);
	a->data = NULL;
	a->len = 0;
	a->bare = 0;
	return r;
}

static char *scratch(void)
{
	char *d = strdup("/tmp/aq-test-untar-dir.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static unsigned int mode_of(const char *dir, const char *name)
{
	char path[AQ_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	return (unsigned int)st.st_mode & 07777;
}

static int exists(const char *dir, const char *name)
{
	char path[AQ_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return aq_exists(path);
}

static void files_dirs_links_and_modes(void **state)
{
	struct archive a = { NULL, 0, 0 };
	char *d = scratch(), path[AQ_PATH_MAX], link[64];
	ssize_t n;

	(void)state;
	add(&a, "top/", NULL, TAR_DIR, 0555, NULL);
	add(&a, "top/a", NULL, TAR_FILE, 04751, "hello\n");
	add(&a, "top/l", "a", TAR_SYMLINK, 0777, NULL);
	add(&a, "top/h", "top/a", TAR_HARDLINK, 0644, NULL);
	add(&a, "top/sub/deep", NULL, TAR_FILE, 0600, "x");
	assert_int_equal(extract(&a, d, "top", "new"), 0);
	assert_int_equal(mode_of(d, "new"), 0555);
	assert_int_equal(mode_of(d, "new/a"), 0751);	/* no setuid */
	assert_int_equal(mode_of(d, "new/sub/deep"), 0600);
	snprintf(path, sizeof(path), "%s/new/l", d);
	n = readlink(path, link, sizeof(link) - 1);
	assert_int_equal(n, 1);
	assert_true(exists(d, "new/h"));
	snprintf(path, sizeof(path), "chmod -R u+w %s && rm -rf %s", d, d);
	assert_int_equal(system(path), 0);
	free(d);
}

static void long_names(void **state)
{
	struct archive a = { NULL, 0, 0 };
	char *d = scratch(), name[400], cmd[AQ_PATH_MAX];

	(void)state;
	/* Longer than ustar's 255, in components a filesystem takes. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "top/", 4);
	name[150] = name[300] = '/';
	add(&a, name, NULL, TAR_FILE, 0644, "long");
	assert_int_equal(extract(&a, d, "top", "top"), 0);
	assert_true(exists(d, name));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

static void refuse(struct archive *a, const char *why)
{
	char *d = scratch(), *out = scratch(), cmd[AQ_PATH_MAX];

	(void)out;
	assert_int_equal(extract(a, d, "top", "top"), -1);
	if (!strstr(aq_error_last(), why))
		fail_msg("message '%s' lacks '%s'", aq_error_last(), why);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", d, out);
	assert_int_equal(system(cmd), 0);
	free(d);
	free(out);
}

static void no_escape_by_dotdot_or_other_tops(void **state)
{
	struct archive a = { NULL, 0, 0 };

	(void)state;
	add(&a, "top/../../escaped", NULL, TAR_FILE, 0644, "x");
	refuse(&a, "it leaves the destination");
	add(&a, "/etc/passwd", NULL, TAR_FILE, 0644, "x");
	refuse(&a, "it leaves the destination");
	add(&a, "other/file", NULL, TAR_FILE, 0644, "x");
	refuse(&a, "not under 'top'");
	add(&a, "topper", NULL, TAR_FILE, 0644, "x");
	refuse(&a, "not under 'top'");
	add(&a, "top/h", "../outside", TAR_HARDLINK, 0644, NULL);
	refuse(&a, "it leaves the destination");
}

static void no_writes_through_symlinks(void **state)
{
	struct archive a = { NULL, 0, 0 };
	char *d = scratch(), *outside = scratch(), cmd[AQ_PATH_MAX];

	(void)state;
	add(&a, "top", outside, TAR_SYMLINK, 0777, NULL);
	add(&a, "top/pwned", NULL, TAR_FILE, 0644, "x");
	assert_int_equal(extract(&a, d, "top", "top"), -1);
	assert_non_null(strstr(aq_error_last(), "cannot open directory"));
	assert_false(exists(outside, "pwned"));
	/* A link, then a file by the link's own name replaces the link. */
	add(&a, "top/", NULL, TAR_DIR, 0755, NULL);
	add(&a, "top/x", outside, TAR_SYMLINK, 0777, NULL);
	add(&a, "top/x", NULL, TAR_FILE, 0644, "mine");
	snprintf(cmd, sizeof(cmd), "rm -rf %s/top", d);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(extract(&a, d, "top", "top"), 0);
	assert_int_equal(mode_of(d, "top/x") & 0777, 0644);
	snprintf(cmd, sizeof(cmd), "test -f %s/top/x && test -z \"$(ls %s)\"",
		 d, outside);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", d, outside);
	assert_int_equal(system(cmd), 0);
	free(d);
	free(outside);
}

static void cut_short_and_garbage(void **state)
{
	struct archive a = { NULL, 0, 0 };

	(void)state;
	add(&a, "top", NULL, TAR_FILE, 0644, "0123456789");
	a.len = TAR_BLOCK;	/* the header, and no data */
	a.bare = 1;
	refuse(&a, "ends inside");
	add(&a, "top", NULL, TAR_FILE, 0644, NULL);
	a.data[0] ^= 1;
	refuse(&a, "bad header checksum");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(files_dirs_links_and_modes),
		cmocka_unit_test(long_names),
		cmocka_unit_test(no_escape_by_dotdot_or_other_tops),
		cmocka_unit_test(no_writes_through_symlinks),
		cmocka_unit_test(cut_short_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
