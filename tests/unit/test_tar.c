/*
 * The tar headers of aq cp: what is written reads back, what busybox
 * and GNU tar write is read, and names cannot leave the destination.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tar.h"

static void roundtrip(const char *name, const char *link, char type)
{
	unsigned char b[TAR_HEADER_BLOCKS * TAR_BLOCK];
	struct tar_header h;
	char why[128];
	size_t n, k = 0;

	assert_int_equal(tar_header_make(b, &n, name, link, type, 0751, 1234,
					 1700000000), 0);
	assert_true(n >= 1 && n <= TAR_HEADER_BLOCKS);
	/* Long-name records first: read them as the reader does. */
	char longname[AQ_PATH_MAX] = "", longlink[AQ_PATH_MAX] = "";

	for (; k + 1 < n; k++) {
		assert_int_equal(tar_header_parse(b + k * TAR_BLOCK, &h, why,
						  sizeof(why)), 0);
		assert_true(h.type == TAR_GNU_LONGNAME ||
			    h.type == TAR_GNU_LONGLINK);
		snprintf(h.type == TAR_GNU_LONGNAME ? longname : longlink,
			 AQ_PATH_MAX, "%s", (const char *)b + (k + 1) *
			 TAR_BLOCK);
		k += (size_t)(h.size + TAR_BLOCK - 1) / TAR_BLOCK;
	}
	assert_int_equal(tar_header_parse(b + k * TAR_BLOCK, &h, why,
					  sizeof(why)), 0);
	assert_string_equal(longname[0] ? longname : h.name, name);
	if (link)
		assert_string_equal(longlink[0] ? longlink : h.link, link);
	assert_int_equal(h.type, type);
	assert_int_equal(h.mode, 0751);
	assert_int_equal(h.size, 1234);
	assert_int_equal(h.mtime, 1700000000);
}

static void headers_read_back(void **state)
{
	char longer[300], deep[900];

	(void)state;
	roundtrip("file", NULL, TAR_FILE);
	roundtrip("dir/", NULL, TAR_DIR);
	roundtrip("d/link", "../target", TAR_SYMLINK);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	roundtrip(longer, NULL, TAR_FILE);
	/* Fits as ustar prefix + name. */
	memset(deep, 'b', 140);
	deep[140] = '/';
	memset(deep + 141, 'c', 90);
	deep[231] = '\0';
	roundtrip(deep, NULL, TAR_FILE);
	memset(deep, 'd', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	roundtrip("x", deep, TAR_SYMLINK);
}

static void big_sizes_and_zero_blocks(void **state)
{
	unsigned char b[TAR_HEADER_BLOCKS * TAR_BLOCK];
	struct tar_header h;
	char why[128];
	size_t n;

	(void)state;
	assert_int_equal(tar_header_make(b, &n, "big", NULL, TAR_FILE, 0644,
					 20LL << 30, 0), 0);
	assert_int_equal(tar_header_parse(b, &h, why, sizeof(why)), 0);
	assert_true(h.size == 20LL << 30);
	memset(b, 0, TAR_BLOCK);
	assert_int_equal(tar_header_parse(b, &h, why, sizeof(why)), 1);
	assert_int_equal(tar_padding(0), 0);
	assert_int_equal(tar_padding(1), 511);
	assert_int_equal(tar_padding(512), 0);
}

static void corrupt_headers_are_refused(void **state)
{
	unsigned char b[TAR_HEADER_BLOCKS * TAR_BLOCK];
	struct tar_header h;
	char why[128];
	size_t n;

	(void)state;
	assert_int_equal(tar_header_make(b, &n, "f", NULL, TAR_FILE, 0644, 1,
					 0), 0);
	b[0] = 'g';
	assert_int_equal(tar_header_parse(b, &h, why, sizeof(why)), -1);
	assert_string_equal(why, "bad header checksum");
	memset(b, 'z', TAR_BLOCK);
	assert_int_equal(tar_header_parse(b, &h, why, sizeof(why)), -1);
}

/* A header as old GNU tar (and busybox) writes it: "ustar  " magic. */
static void gnu_magic_has_no_prefix(void **state)
{
	unsigned char b[TAR_BLOCK];
	struct tar_header h;
	char why[128];
	unsigned long sum = 0;

	(void)state;
	memset(b, 0, sizeof(b));
	memcpy(b, "etc/app", 7);
	memcpy(b + 100, "0000644", 7);
	memcpy(b + 124, "00000000003", 11);
	memcpy(b + 136, "00000000000", 11);
	b[156] = '0';
	memcpy(b + 257, "ustar  ", 8);
	memcpy(b + 345, "14523012345", 11);	/* atime, not a prefix */
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(b); i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06lo", sum);
	assert_int_equal(tar_header_parse(b, &h, why, sizeof(why)), 0);
	assert_string_equal(h.name, "etc/app");
	assert_int_equal(h.size, 3);
}

static void pax_records(void **state)
{
	static const char rec[] = "28 path=some/long/path/name\n"
				  "19 linkpath=target\n"
				  "12 size=999\n"
				  "20 mtime=123.456789\n";
	struct tar_header h;
	char why[128];

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(tar_pax_apply(rec, strlen(rec), &h, why,
				       sizeof(why)), 0);
	assert_string_equal(h.name, "some/long/path/name");
	assert_string_equal(h.link, "target");
	assert_int_equal(h.size, 999);
	assert_int_equal(tar_pax_apply("8 path=x\n", 9, &h, why,
				       sizeof(why)), -1);
	assert_int_equal(tar_pax_apply("99 path=x\n", 10, &h, why,
				       sizeof(why)), -1);
	assert_int_equal(tar_pax_apply("3 \n", 3, &h, why, sizeof(why)), -1);
	assert_int_equal(tar_pax_apply("2 ", 2, &h, why, sizeof(why)), -1);
}

static void clean(const char *in, const char *want)
{
	char out[AQ_PATH_MAX];

	if (!want) {
		assert_int_equal(tar_name_clean(in, out, sizeof(out)), -1);
		return;
	}
	assert_int_equal(tar_name_clean(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void names_stay_inside(void **state)
{
	(void)state;
	clean("a", "a");
	clean("./a/b/", "a/b");
	clean("a//b/./c", "a/b/c");
	clean("..a/b..", "..a/b..");
	clean("/etc/passwd", NULL);
	clean("../x", NULL);
	clean("a/../../x", NULL);
	clean("a/..", NULL);
	clean("", NULL);
	clean("./", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_read_back),
		cmocka_unit_test(big_sizes_and_zero_blocks),
		cmocka_unit_test(corrupt_headers_are_refused),
		cmocka_unit_test(gnu_magic_has_no_prefix),
		cmocka_unit_test(pax_records),
		cmocka_unit_test(names_stay_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
