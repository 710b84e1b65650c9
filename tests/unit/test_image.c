/*
 * Image definitions read against their schema (each refusal with file
 * and line), the path rules for overlays and scripts, and the overlay
 * archive built from a directory and from apkovl tarballs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "error.h"
#include "image.h"
#include "overlay.h"
#include "util.h"

static char root[] = "/tmp/aq-test-image-XXXXXX";

static void put(const char *rel, const char *text, mode_t mode)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void dir(const char *rel, mode_t mode)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, mode), 0);
	chmod(path, mode);
}

/* A .tar.gz at rel holding the given names (directories end in '/'). */
static void tarball(const char *rel, const char *const *names, int gzip)
{
	struct archive *a = archive_write_new();
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (; *names; names++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(*names);
		int isdir = (*names)[len - 1] == '/';

		archive_entry_set_pathname(e, *names);
		archive_entry_set_filetype(e, isdir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, isdir ? 0700 : 0600);
		archive_entry_set_uid(e, 1000);
		archive_entry_set_size(e, isdir ? 0 : 2);
		archive_write_header(a, e);
		if (!isdir)
			archive_write_data(a, "x\n", 2);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	dir("images", 0755);
	dir("ovl", 0755);
	dir("ovl/etc", 0755);
	dir("ovl/etc/app", 0755);
	dir("ovl/srv", 0755);
	dir("ovl/srv/empty", 0750);
	put("ovl/etc/app/app.conf", "k = v\n", 0644);
	put("ovl/etc/app/run", "#!/bin/sh\n", 0755);
	dir("scripts", 0755);
	put("scripts/setup.sh", "#!/bin/sh\necho hi\n", 0755);
	{
		static const char *const good[] = { "./etc/", "./etc/secret",
						    "./", NULL };
		static const char *const evil[] = { "etc/ok", "../evil",
						    NULL };

		tarball("good.tar.gz", good, 1);
		tarball("evil.tar.gz", evil, 1);
		tarball("plain.tar.gz", good, 0);
	}
	{
		char target[4096], link[4096];

		snprintf(target, sizeof(target), "/etc");
		snprintf(link, sizeof(link), "%s/outside", root);
		assert_int_equal(symlink(target, link), 0);
		snprintf(link, sizeof(link), "%s/ovl/etc/app/link", root);
		assert_int_equal(symlink("app.conf", link), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!getenv("KEEP"))
		aq_rm_rf(root);
	return 0;
}

/* Read text as images/t.ini of the tree; 0 or -1. */
static int read_def(const char *text, struct image_def *def)
{
	char file[4096];

	put("images/t.ini", text, 0644);
	snprintf(file, sizeof(file), "%s/images/t.ini", root);
	aq_error_clear();
	return image_def_read(file, root, "lab/x/t", "x86_64", def);
}

static void refused(const char *text, int line, const char *why)
{
	struct image_def *def = calloc(1, sizeof(*def));
	char want[256];

	if (read_def(text, def) != -1)
		fail_msg("accepted: %s", text);
	snprintf(want, sizeof(want), "images/t.ini:%d: ", line);
	if (!strstr(aq_error_last(), want) || !strstr(aq_error_last(), why))
		fail_msg("message '%s' lacks '%s' or '%s'", aq_error_last(),
			 want, why);
	free(def);
}

static void reads_everything(void **state)
{
	struct image_def *def = calloc(1, sizeof(*def));

	(void)state;
	assert_int_equal(read_def("[image]\ndescription = web\n"
				  "variant = cloudinit\n"
				  "firmware_x86_64 = uefi\n"
				  "[defaults]\ncpus = 2\nmemory = 1G\n"
				  "disk = 4G\nforward = 8080:80\n"
				  "forward = 5353:53/udp\n"
				  "[provision]\npackages = nginx curl\n"
				  "packages = jq, so:libc.musl-x86_64.so.1\n"
				  "overlay = ovl\noverlay = good.tar.gz\n"
				  "script = ./scripts//setup.sh\n", def), 0);
	assert_string_equal(def->name, "lab/x/t");
	assert_string_equal(def->description, "web");
	assert_string_equal(def->base, "alpine");
	assert_string_equal(def->variant, "cloudinit");
	assert_string_equal(def->firmware, "uefi");
	assert_int_equal(def->cpus, 2);
	assert_int_equal(def->memory_mib, 1024);
	assert_int_equal(def->disk_bytes, 4LL << 30);
	assert_int_equal(def->nforwards, 2);
	assert_int_equal(def->forwards[1].guest_port, 53);
	assert_string_equal(def->forwards[1].proto, "udp");
	assert_string_equal(def->packages,
			    "nginx curl jq so:libc.musl-x86_64.so.1");
	assert_int_equal(def->noverlays, 2);
	assert_int_equal(def->overlays[0].kind, IMAGE_OVERLAY_DIR);
	assert_int_equal(def->overlays[1].kind, IMAGE_OVERLAY_TAR);
	assert_non_null(strstr(def->script, "/scripts/setup.sh"));
	free(def);
}

static void defaults(void **state)
{
	struct image_def *def = calloc(1, sizeof(*def));

	(void)state;
	assert_int_equal(read_def("", def), 0);
	assert_string_equal(def->variant, "tiny");
	assert_string_equal(def->firmware, "bios");
	assert_int_equal(def->cpus, 1);
	assert_int_equal(def->memory_mib, 512);
	assert_int_equal(def->disk_bytes, 2LL << 30);
	assert_int_equal(def->nforwards, 0);
	assert_int_equal(def->noverlays, 0);
	assert_string_equal(def->packages, "");
	assert_string_equal(def->script, "");
	free(def);
}

static void refusals(void **state)
{
	(void)state;
	refused("[image]\ndescription = x\nflavour = y\n", 3,
		"unknown key 'flavour' in section [image]");
	refused("[images]\nx = 1\n", 2, "unknown section [images]");
	refused("[image]\nthis is not ini\n", 2, "syntax error");
	refused("[image]\nbase = debian\n", 2,
		"invalid base 'debian': use 'alpine'");
	refused("[image]\nvariant = huge\n", 2,
		"invalid variant 'huge': use 'tiny' or 'cloudinit'");
	refused("[image]\nfirmware_aarch64 = bios\n", 2,
		"invalid firmware_aarch64 'bios': use 'uefi'");
	refused("\n[defaults]\ncpus = 0\n", 3, "invalid cpus '0': ");
	refused("[defaults]\nmemory = lots\n", 2, "invalid memory 'lots'");
	refused("[defaults]\nmemory = 1M\n", 2,
		"invalid memory '1M': use 64M to 1T");
	refused("[defaults]\nforward = 80:80\nforward = 80:81\n", 3,
		"host port 80/tcp is forwarded twice");
	refused("[defaults]\nforward = x\n", 2, "invalid forward 'x'");
	refused("[provision]\npackages = a $(reboot)\n", 2,
		"invalid package '$(reboot)'");
	refused("[provision]\npackages = --allow-untrusted\n", 2,
		"invalid package '--allow-untrusted'");
	refused("[provision]\noverlay = /etc\n", 2,
		"invalid overlay '/etc': give a path inside the tap");
	refused("[provision]\noverlay = ovl/../../etc\n", 2,
		"invalid overlay 'ovl/../../etc': it may not leave the tap");
	refused("[provision]\noverlay = outside\n", 2, "is a symlink");
	refused("[provision]\noverlay = nothere\n", 2,
		"No such file or directory");
	refused("[provision]\noverlay = scripts/setup.sh\n", 2,
		"neither a directory nor a .tar.gz");
	refused("[provision]\nscript = scripts\n", 2,
		"invalid script 'scripts': not a file");
	refused("[provision]\nscript = a\nscript = b\n", 3,
		"key 'script' in section [provision] is set twice");
}

/* The entries of a gzip'd tar in memory as "name mode uid" lines. */
static void listing(const struct aq_buf *tar, char *out, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t used = 0;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tar->s, tar->len),
			 ARCHIVE_OK);
	out[0] = '\0';
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *link = archive_entry_symlink(e);

		used += (size_t)snprintf(out + used, len - used,
					 "%s %o %ld%s%s\n",
					 archive_entry_pathname(e),
					 (unsigned)archive_entry_mode(e) & 0777,
					 (long)archive_entry_uid(e),
					 link ? " -> " : "", link ? link : "");
	}
	archive_read_free(a);
}

static void overlay_archive(void **state)
{
	struct image_def *def = calloc(1, sizeof(*def));
	struct aq_buf tar = AQ_BUF_INIT;
	char list[4096];

	(void)state;
	assert_int_equal(read_def("[provision]\noverlay = ovl\n"
				  "overlay = good.tar.gz\n", def), 0);
	assert_int_equal(overlay_build(def->overlays, def->noverlays, &tar),
			 0);
	listing(&tar, list, sizeof(list));
	assert_non_null(strstr(list, "etc/app/app.conf 644 0\n"));
	assert_non_null(strstr(list, "etc/app/run 755 0\n"));
	assert_non_null(strstr(list, "etc/app/link 777 0 -> app.conf\n"));
	/* An empty directory gets an entry; one with contents does not. */
	assert_non_null(strstr(list, "srv/empty/ 750 0\n"));
	assert_null(strstr(list, "etc/app/ "));
	assert_null(strstr(list, "srv/ "));
	/* The apkovl's entries keep their modes and owners, minus "./". */
	assert_non_null(strstr(list, "etc/ 700 1000\n"));
	assert_non_null(strstr(list, "etc/secret 600 1000\n"));
	assert_null(strstr(list, "./"));
	aq_buf_release(&tar);
	free(def);
}

static void overlay_refusals(void **state)
{
	struct image_def *def = calloc(1, sizeof(*def));
	struct aq_buf tar = AQ_BUF_INIT;

	(void)state;
	assert_int_equal(read_def("[provision]\noverlay = evil.tar.gz\n",
				  def), 0);
	assert_int_equal(overlay_build(def->overlays, 1, &tar), -1);
	assert_non_null(strstr(aq_error_last(), "entry '../evil' would land "
			       "outside /"));
	assert_int_equal(read_def("[provision]\noverlay = plain.tar.gz\n",
				  def), 0);
	assert_int_equal(overlay_build(def->overlays, 1, &tar), -1);
	assert_non_null(strstr(aq_error_last(), "not gzip-compressed"));
	aq_buf_release(&tar);
	free(def);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_everything),
		cmocka_unit_test(defaults),
		cmocka_unit_test(refusals),
		cmocka_unit_test(overlay_archive),
		cmocka_unit_test(overlay_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
