/*
 * Unit tests of the fetch-curl plugin's mirror parsers: the release list,
 * .sha512 sidecars, versions, image names and URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mirror.h"

#define DIGEST_A "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921" \
	"d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af" \
	"927da3e"

/* Shaped like dl-cdn's file: flavors in its order, desc over lines. */
static const char realistic[] =
	"---\n"
	"-\n"
	"  title: \"Standard\"\n"
	"  desc: \"Alpine as it was intended.\n"
	"    Just enough to get you started.\n"
	"    Network connection is required.\"\n"
	"  branch: v3.22\n"
	"  arch: x86_64\n"
	"  version: 3.22.1\n"
	"  flavor: alpine-standard\n"
	"  file: alpine-standard-3.22.1-x86_64.iso\n"
	"  iso: alpine-standard-3.22.1-x86_64.iso\n"
	"  date: 2025-07-15\n"
	"  time: 10:33:54\n"
	"  size: 221249536\n"
	"  sha256: 2e9a1bd5b1d2c1c05a4dc57e63e1a0a3e6e15f7e5d83b2f0e4f5c7"
	"a0e2e1f3c4\n"
	"  sha512: " DIGEST_A "\n"
	"-\n"
	"  title: \"Mini root filesystem\"\n"
	"  desc: \"Minimal root filesystem.\n"
	"    For use in containers\n"
	"    and minimal chroots.\"\n"
	"  branch: v3.22\n"
	"  arch: x86_64\n"
	"  version: 3.22.1\n"
	"  flavor: alpine-minirootfs\n"
	"  file: alpine-minirootfs-3.22.1-x86_64.tar.gz\n"
	"  iso: alpine-minirootfs-3.22.1-x86_64.tar.gz\n"
	"  date: 2025-07-15\n"
	"  time: 10:33:21\n"
	"  size: 3659207\n"
	"  sha256: 0a9e2ed4e8d1b0e6c3a7f8b6e8a74cd6c84d9b5f4e1c0e4fae5e4c"
	"fa0c1b2d3e\n"
	"  sha512: " DIGEST_A "\n"
	"-\n"
	"  title: \"Virtual\"\n"
	"  desc: \"Similar to standard.\n"
	"    Slimmed down kernel.\n"
	"    Optimized for virtual systems.\"\n"
	"  branch: v3.22\n"
	"  arch: x86_64\n"
	"  version: 3.22.1\n"
	"  flavor: alpine-virt\n"
	"  file: alpine-virt-3.22.1-x86_64.iso\n"
	"  iso: alpine-virt-3.22.1-x86_64.iso\n"
	"  date: 2025-07-15\n"
	"  time: 10:33:49\n"
	"  size: 66060288\n"
	"  sha256: 1f3f1c5c4cd1f4dbf6bb1ad3e2a5ef2f3c6e8d1f3b3c6e5a6a1c4e"
	"b0c2d1e3f5\n"
	"  sha512: " DIGEST_A "\n";

static int parse(const char *yaml, struct fetch_release *r, char *err,
		 size_t errlen)
{
	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	return fetch_releases_parse(yaml, strlen(yaml), "x86_64", r, err,
				    errlen);
}

/* Parse yaml, expect failure, and that the message contains want. */
static void expect_error(const char *yaml, const char *want)
{
	struct fetch_release r;
	char err[512];

	assert_int_equal(parse(yaml, &r, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_string_equal(r.version, "");
}

static void test_realistic(void **state)
{
	struct fetch_release r;
	char err[512];

	(void)state;
	assert_int_equal(parse(realistic, &r, err, sizeof(err)), 0);
	assert_string_equal(r.version, "3.22.1");
	assert_string_equal(r.branch, "v3.22");
	assert_string_equal(r.flavor, "alpine-virt");
}

static void test_no_virt_takes_first(void **state)
{
	struct fetch_release r;
	char err[512];

	(void)state;
	assert_int_equal(parse("- {version: 3.21.4, flavor: alpine-standard}\n"
			       "- {version: 3.21.4, flavor: alpine-netboot}\n",
			       &r, err, sizeof(err)), 0);
	assert_string_equal(r.version, "3.21.4");
	assert_string_equal(r.branch, "v3.21");
	assert_string_equal(r.flavor, "alpine-standard");
}

static void test_only_version_needed(void **state)
{
	struct fetch_release r;
	char err[512];

	(void)state;
	assert_int_equal(parse("- version: 3.30.0\n", &r, err, sizeof(err)),
			 0);
	assert_string_equal(r.branch, "v3.30");
	assert_string_equal(r.flavor, "");
}

static void test_unknown_nodes_skipped(void **state)
{
	struct fetch_release r;
	char err[512];

	(void)state;
	assert_int_equal(parse("- extra: [1, {a: [b, c]}, {d: e}]\n"
			       "  ? [complex, key]\n"
			       "  : value\n"
			       "  anchor: &x {k: v}\n"
			       "  again: *x\n"
			       "  version: 3.22.1\n", &r, err, sizeof(err)), 0);
	assert_string_equal(r.version, "3.22.1");
}

static void test_missing_version(void **state)
{
	(void)state;
	expect_error("- version: 3.22.1\n  flavor: alpine-standard\n"
		     "- flavor: alpine-virt\n  branch: v3.22\n",
		     "the entry at line 3 has no 'version'");
}

static void test_mixed_versions(void **state)
{
	(void)state;
	expect_error("- version: 3.22.1\n  flavor: alpine-standard\n"
		     "- version: 3.22.0\n  flavor: alpine-virt\n",
		     "entries disagree on the version: '3.22.1' (line 1) "
		     "and '3.22.0' (line 3)");
}

static void test_branch_mismatch(void **state)
{
	(void)state;
	expect_error("- {version: 3.22.1, branch: v3.21}\n",
		     "has branch 'v3.21' but version '3.22.1'");
}

static void test_other_arch(void **state)
{
	(void)state;
	expect_error("- {version: 3.22.1, arch: aarch64}\n",
		     "is for 'aarch64', not 'x86_64'");
}

static void test_not_a_sequence(void **state)
{
	(void)state;
	expect_error("version: 3.22.1\nflavor: alpine-virt\n",
		     "line 1: expected a list of releases, found a mapping");
	expect_error("just some words\n",
		     "expected a list of releases, found a single value");
	expect_error("- 3.22.1\n", "line 1: an entry is a single value, not "
		     "a mapping");
	expect_error("- [3.22.1]\n", "an entry is a list");
}

static void test_garbage(void **state)
{
	(void)state;
	expect_error("- {version: 3.22.1\n", "line 2");
	expect_error("- version: 3.22.1\n flavor: [\n", "line");
	expect_error("<html><body>502 Bad Gateway</body></html>\n",
		     "found a single value");
	expect_error("\x89PNG\r\n\x1a\n\xff\xfe\x00", "byte");
	expect_error("- version: 3.22.1\n\t- x\n", "line 2");
}

static void test_empty(void **state)
{
	(void)state;
	expect_error("", "the file is empty");
	expect_error("---\n", "the file is empty");
	expect_error("# only a comment\n", "the file is empty");
	expect_error("[]\n", "the list of releases is empty");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("- version: ../../../etc\n", "is not an Alpine version");
	expect_error("- version: 3\n", "is not an Alpine version");
	expect_error("- version: 3.22/1\n", "is not an Alpine version");
	expect_error("- version: [3, 22]\n", "'version' is a list");
	expect_error("- version: ''\n", "'version' is empty");
	expect_error("- {version: 3.22.1, version: 3.22.1}\n", "twice");
	expect_error("- version: 3.22.1111111111111111111111111111111\n",
		     "not a valid value");
}

static void test_deep_nesting(void **state)
{
	char *yaml;
	size_t i, depth = 100000, len = 0;

	(void)state;
	/* libyaml would take minutes over this; it is refused at once */
	yaml = malloc(depth * 5 + 32);
	assert_non_null(yaml);
	len += (size_t)snprintf(yaml, 32, "- x: ");
	for (i = 0; i < depth; i++)
		len += (size_t)snprintf(yaml + len, 5, "{a: ");
	yaml[len] = '\0';
	expect_error(yaml, "line 1: values nest too deeply");
	free(yaml);
	expect_error("- ? [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
		     "nest too deeply");
}

static void test_first_document_only(void **state)
{
	struct fetch_release r;
	char err[512];

	(void)state;
	assert_int_equal(parse("--- [{version: 3.22.1}]\n"
			       "--- [{version: 3.1.0}]\n", &r, err,
			       sizeof(err)), 0);
	assert_string_equal(r.version, "3.22.1");
}

static void test_sidecar_formats(void **state)
{
	static const char *good[] = {
		DIGEST_A,
		DIGEST_A "\n",
		"  " DIGEST_A " \r\n\n",
		DIGEST_A "  nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2\n",
		DIGEST_A " *nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2",
		DIGEST_A "\tnocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2",
		DIGEST_A "  out/cloud/nocloud_alpine-3.22.1-x86_64-bios-tiny-"
		"r0.qcow2\r\n",
	};
	const char *file = "nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2";
	char digest[AQ_DIGEST_HEX], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(digest, 0, sizeof(digest));
		if (fetch_sidecar_parse(good[i], strlen(good[i]), file,
					digest, err, sizeof(err)) < 0)
			fail_msg("'%s': %s", good[i], err);
		assert_string_equal(digest, DIGEST_A);
	}
}

static void test_sidecar_uppercase(void **state)
{
	char upper[AQ_DIGEST_HEX], digest[AQ_DIGEST_HEX], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < AQ_DIGEST_HEX; i++)
		upper[i] = (DIGEST_A[i] >= 'a' && DIGEST_A[i] <= 'f') ?
			   (char)(DIGEST_A[i] - 'a' + 'A') : DIGEST_A[i];
	assert_int_equal(fetch_sidecar_parse(upper, strlen(upper), NULL,
					     digest, err, sizeof(err)), 0);
	assert_string_equal(digest, DIGEST_A);
}

static void expect_sidecar_error(const char *data, size_t len,
				 const char *want)
{
	char digest[AQ_DIGEST_HEX] = "untouched", err[256] = "";

	assert_int_equal(fetch_sidecar_parse(data, len, "a.qcow2", digest,
					     err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_string_equal(digest, "untouched");
}

static void test_sidecar_errors(void **state)
{
	static const char nul[] = DIGEST_A "  a.q\0cow2";

	(void)state;
	expect_sidecar_error("", 0, "it is empty");
	expect_sidecar_error(" \n\n", 3, "it is empty");
	expect_sidecar_error("cf83e1357eef\n", 13, "128 hex digits");
	expect_sidecar_error(DIGEST_A "0", AQ_DIGEST_HEX, "128 hex digits");
	expect_sidecar_error(DIGEST_A "x  a.qcow2", AQ_DIGEST_HEX + 9,
			     "128 hex digits");
	expect_sidecar_error("g" DIGEST_A, AQ_DIGEST_HEX, "128 hex digits");
	expect_sidecar_error(DIGEST_A "  b.qcow2\n", AQ_DIGEST_HEX + 9,
			     "digest of 'b.qcow2', not of 'a.qcow2'");
	expect_sidecar_error(DIGEST_A "\n" DIGEST_A "\n",
			     2 * AQ_DIGEST_HEX, "more than one line");
	expect_sidecar_error(nul, sizeof(nul) - 1, "not text");
	expect_sidecar_error("<html>404</html>", 16, "128 hex digits");
}

static void test_digest_valid(void **state)
{
	(void)state;
	assert_true(fetch_digest_valid(DIGEST_A));
	assert_false(fetch_digest_valid(DIGEST_A "0"));
	assert_false(fetch_digest_valid("abc"));
	assert_false(fetch_digest_valid(""));
}

static void test_versions(void **state)
{
	char b[16];

	(void)state;
	assert_true(fetch_version_valid("3.22.1"));
	assert_true(fetch_version_valid("3.22"));
	assert_true(fetch_version_valid("3.23.0_rc1"));
	assert_false(fetch_version_valid("3"));
	assert_false(fetch_version_valid("v3.22"));
	assert_false(fetch_version_valid("3..22"));
	assert_false(fetch_version_valid("3.22."));
	assert_false(fetch_version_valid("3.22-1"));
	assert_false(fetch_version_valid("3.22.1/.."));
	assert_false(fetch_version_valid(""));
	assert_int_equal(fetch_version_branch("3.22.1", b, sizeof(b)), 0);
	assert_string_equal(b, "v3.22");
	assert_int_equal(fetch_version_branch("10.0_rc2", b, sizeof(b)), 0);
	assert_string_equal(b, "v10.0");
	assert_int_equal(fetch_version_branch("3.22.1", b, 5), -1);
	assert_int_equal(fetch_version_branch("edge", b, sizeof(b)), -1);
}

static void test_version_order(void **state)
{
	(void)state;
	assert_true(fetch_version_cmp("3.9.0", "3.10.0") < 0);
	assert_true(fetch_version_cmp("3.22.10", "3.22.9") > 0);
	assert_true(fetch_version_cmp("3.22.1", "3.22.1") == 0);
	assert_true(fetch_version_cmp("3.22.01", "3.22.1") == 0);
	assert_true(fetch_version_cmp("3.23.0_rc1", "3.23.0") < 0);
	assert_true(fetch_version_cmp("3.23.0", "3.23.0_rc1") > 0);
	assert_true(fetch_version_cmp("3.23.0_rc1", "3.23.0_rc2") < 0);
	assert_true(fetch_version_cmp("3.23", "3.23.0") < 0);
	assert_true(fetch_version_cmp("3.22.1", "3.23") < 0);
	assert_true(fetch_version_cmp("3.22.0.1", "3.22.0_rc1") > 0);
}

static void test_tokens(void **state)
{
	(void)state;
	assert_true(fetch_token_valid("x86_64"));
	assert_true(fetch_token_valid("cloudinit"));
	assert_false(fetch_token_valid(""));
	assert_false(fetch_token_valid("bios-tiny"));
	assert_false(fetch_token_valid("../x"));
	assert_false(fetch_token_valid("X86"));
}

static void test_releases_url(void **state)
{
	char u[256];

	(void)state;
	assert_int_equal(fetch_releases_url(u, sizeof(u), "https://"
					    "dl-cdn.alpinelinux.org/alpine",
					    "x86_64"), 0);
	assert_string_equal(u, "https://dl-cdn.alpinelinux.org/alpine/"
			    "latest-stable/releases/x86_64/"
			    "latest-releases.yaml");
	assert_int_equal(fetch_releases_url(u, sizeof(u),
					    "http://127.0.0.1:8080//",
					    "aarch64"), 0);
	assert_string_equal(u, "http://127.0.0.1:8080/latest-stable/releases/"
			    "aarch64/latest-releases.yaml");
	assert_int_equal(fetch_releases_url(u, sizeof(u), "file:///srv/m/",
					    "x86_64"), 0);
	assert_string_equal(u, "file:///srv/m/latest-stable/releases/x86_64/"
			    "latest-releases.yaml");
	assert_int_equal(fetch_releases_url(u, sizeof(u), "file:///",
					    "x86_64"), 0);
	assert_string_equal(u, "file:///latest-stable/releases/x86_64/"
			    "latest-releases.yaml");
	assert_int_equal(fetch_releases_url(u, 20, "http://h", "x86_64"), -1);
	assert_int_equal(fetch_releases_url(u, sizeof(u), "http://h", "../"),
			 -1);
	assert_int_equal(fetch_releases_url(u, sizeof(u), "", "x86_64"), -1);
}

static void test_image_name_and_url(void **state)
{
	char n[128], u[256];

	(void)state;
	assert_int_equal(fetch_image_name(n, sizeof(n), "3.22.1", "x86_64",
					  "bios", "tiny", 0), 0);
	assert_string_equal(n, "nocloud_alpine-3.22.1-x86_64-bios-tiny-"
			    "r0.qcow2");
	assert_int_equal(fetch_image_name(n, sizeof(n), "3.23.4", "aarch64",
					  "uefi", "cloudinit", 2), 0);
	assert_string_equal(n, "nocloud_alpine-3.23.4-aarch64-uefi-"
			    "cloudinit-r2.qcow2");
	assert_int_equal(fetch_image_name(n, sizeof(n), "3.22.1", "x86_64",
					  "bios", "tiny", FETCH_BUILD_MAX), -1);
	assert_int_equal(fetch_image_name(n, sizeof(n), "../3", "x86_64",
					  "bios", "tiny", 0), -1);
	assert_int_equal(fetch_image_url(u, sizeof(u), "http://m/alpine/",
					 "v3.22", n), 0);
	assert_string_equal(u, "http://m/alpine/v3.22/releases/cloud/"
			    "nocloud_alpine-3.23.4-aarch64-uefi-cloudinit-"
			    "r2.qcow2");
	assert_int_equal(fetch_image_url(u, sizeof(u), "http://m", "v3.22",
					 "a/b"), -1);
	assert_int_equal(fetch_image_name(n, 10, "3.22.1", "x86_64", "bios",
					  "tiny", 0), -1);
}

static void test_image_name_parse(void **state)
{
	char v[32] = "";
	int build = -1;

	(void)state;
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r3.qcow2", "x86_64",
		"bios", "tiny", v, sizeof(v), &build), 0);
	assert_string_equal(v, "3.22.1");
	assert_int_equal(build, 3);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.23.0_rc1-x86_64-bios-tiny-r0.qcow2",
		"x86_64", "bios", "tiny", v, sizeof(v), &build), 0);
	assert_string_equal(v, "3.23.0_rc1");
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-cloudinit-r0.qcow2",
		"x86_64", "bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2.part",
		"x86_64", "bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2.sha512",
		"x86_64", "bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r01.qcow2", "x86_64",
		"bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r10.qcow2", "x86_64",
		"bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r.qcow2", "x86_64",
		"bios", "tiny", v, sizeof(v), &build), -1);
	assert_int_equal(fetch_image_name_parse(".lock", "x86_64", "bios",
						"tiny", v, sizeof(v), &build),
			 -1);
	assert_int_equal(fetch_image_name_parse(
		"nocloud_alpine-3.22.1-x86_64-bios-tiny-r3.qcow2", "x86_64",
		"bios", "tiny", v, 4, &build), -1);
	assert_string_equal(v, "3.23.0_rc1");
	assert_int_equal(fetch_image_name_version(
		"nocloud_alpine-3.21.0-aarch64-uefi-tiny-r0.qcow2", v,
		sizeof(v)), 0);
	assert_string_equal(v, "3.21.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realistic),
		cmocka_unit_test(test_no_virt_takes_first),
		cmocka_unit_test(test_only_version_needed),
		cmocka_unit_test(test_unknown_nodes_skipped),
		cmocka_unit_test(test_missing_version),
		cmocka_unit_test(test_mixed_versions),
		cmocka_unit_test(test_branch_mismatch),
		cmocka_unit_test(test_other_arch),
		cmocka_unit_test(test_not_a_sequence),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_first_document_only),
		cmocka_unit_test(test_sidecar_formats),
		cmocka_unit_test(test_sidecar_uppercase),
		cmocka_unit_test(test_sidecar_errors),
		cmocka_unit_test(test_digest_valid),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_version_order),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_releases_url),
		cmocka_unit_test(test_image_name_and_url),
		cmocka_unit_test(test_image_name_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
