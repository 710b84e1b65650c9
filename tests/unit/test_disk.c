/*
 * Unit tests of the qemu-img disk plugin: QEMU arguments for awkward
 * paths, sizes in messages, qemu-img's JSON, the seed ISO read back by
 * libarchive, isoinfo and blkid, and overlays made by the real qemu-img.
 * The plugin's sources are linked in; a small host stands in for the
 * core.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "aq/plugin.h"
#include "disk_args.h"
#include "disk_spawn.h"

extern const struct aq_plugin aq_plugin;

/* ---- a host for the plugin ---- */

#define T_ARGS_MAX 32

struct aq_argv {
	char *v[T_ARGS_MAX];
	int n;
};

static char t_err[2048];
static int t_nerrors;
static const char *t_cache;

static void t_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (!getenv("AQ_TEST_VERBOSE"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int t_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t_err, sizeof(t_err), fmt, ap);
	va_end(ap);
	t_nerrors++;
	return -1;
}

static const char *t_config(const char *section, const char *key)
{
	if (strcmp(section, "disk") == 0 && strcmp(key, "cache") == 0)
		return t_cache;
	return NULL;
}

static const char *t_home(void)
{
	return "/nonexistent";
}

static int t_argv_add(struct aq_argv *argv, const char *arg)
{
	if (argv->n >= T_ARGS_MAX)
		return t_error("too many arguments");
	argv->v[argv->n] = strdup(arg);
	if (!argv->v[argv->n])
		return t_error("out of memory");
	argv->n++;
	return 0;
}

static void t_argv_free(struct aq_argv *argv)
{
	while (argv->n > 0)
		free(argv->v[--argv->n]);
}

/* host->run as the ABI describes it, through the plugin's own spawner. */
static int t_run(const char *const argv[], char *errbuf, size_t errlen)
{
	char line[1024];
	char *out = NULL;
	size_t len;
	int st;

	st = disk_capture(argv, &out, &len, line, sizeof(line));
	free(out);
	if (st < 0)
		return t_error("cannot run '%s': %s", argv[0], line);
	if (st > 0 && errbuf)
		snprintf(errbuf, errlen, "%s", line);
	return st;
}

static int t_interactive(void)
{
	return 0;
}

static const struct aq_host t_host = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.log = t_log,
	.error = t_error,
	.config = t_config,
	.home = t_home,
	.argv_add = t_argv_add,
	.run = t_run,
	.interactive = t_interactive,
};

/* ---- files ---- */

static char t_root[256];	/* the test's temporary directory */
static char t_dir[512];		/* an awkward VM directory inside it */

static void t_rmtree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char sub[1024];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		t_rmtree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static int t_exists(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static int t_count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int t_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(t_root, sizeof(t_root), "%s/aq-test-disk.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t_root))
		return -1;
	/* A comma, a space and a colon: each means something to QEMU. */
	snprintf(t_dir, sizeof(t_dir), "%s/vm,one two:x", t_root);
	if (mkdir(t_dir, 0755) < 0)
		return -1;
	return aq_plugin.init(&t_host);
}

static int t_teardown(void **state)
{
	(void)state;
	aq_plugin.fini();
	t_rmtree(t_root);
	return 0;
}

static int t_each(void **state)
{
	(void)state;
	t_err[0] = '\0';
	t_nerrors = 0;
	t_cache = NULL;
	return 0;
}

/* Run argv and return its stdout (caller frees); fails the test if the
 * program does not exit 0. */
static char *t_output(const char *const argv[])
{
	char line[1024];
	char *out = NULL;
	size_t len;
	int st;

	st = disk_capture(argv, &out, &len, line, sizeof(line));
	if (st != 0)
		fail_msg("'%s' failed (%d): %s", argv[0], st, line);
	return out;
}

/* ---- arguments ---- */

static void test_escape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(disk_escape("a,b,,c", out, sizeof(out)), 0);
	assert_string_equal(out, "a,,b,,,,c");
	assert_int_equal(disk_escape("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* 15 characters fit in 16 bytes, 16 do not. */
	assert_int_equal(disk_escape("aaaaaaaaaaaaaa,", out, 16), -1);
	assert_int_equal(disk_escape("aaaaaaaaaaaaa,", out, 16), 0);
	assert_string_equal(out, "aaaaaaaaaaaaa,,");
	assert_int_equal(disk_escape(",", out, 2), -1);
}

static struct aq_vm t_vm(const char *dir)
{
	struct aq_vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.name = "web";
	vm.dir = dir;
	vm.arch = "x86_64";
	vm.accel = "tcg";
	return vm;
}

static void test_args_awkward(void **state)
{
	struct aq_vm vm = t_vm("/home/a,b/my vms/x:y,");
	struct aq_argv argv = { { NULL }, 0 };

	(void)state;
	assert_int_equal(disk_args_build(&t_host, &vm, "writeback", 1, &argv),
			 0);
	assert_int_equal(argv.n, 8);
	assert_string_equal(argv.v[0], "-drive");
	assert_string_equal(argv.v[1], "file=/home/a,,b/my vms/x:y,,/"
			    "disk.qcow2,if=none,id=disk0,format=qcow2,"
			    "discard=unmap,cache=writeback");
	assert_string_equal(argv.v[2], "-device");
	assert_string_equal(argv.v[3],
			    "virtio-blk-pci,drive=disk0,bootindex=0");
	assert_string_equal(argv.v[4], "-drive");
	assert_string_equal(argv.v[5], "file=/home/a,,b/my vms/x:y,,/"
			    "seed.iso,if=none,id=seed0,format=raw,"
			    "readonly=on");
	assert_string_equal(argv.v[6], "-device");
	assert_string_equal(argv.v[7], "virtio-blk-pci,drive=seed0");
	t_argv_free(&argv);
}

static void test_args_no_seed(void **state)
{
	struct aq_vm vm = t_vm("/v");
	struct aq_argv argv = { { NULL }, 0 };

	(void)state;
	assert_int_equal(disk_args_build(&t_host, &vm, "none", 0, &argv), 0);
	assert_int_equal(argv.n, 4);
	assert_string_equal(argv.v[1], "file=/v/disk.qcow2,if=none,id=disk0,"
			    "format=qcow2,discard=unmap,cache=none");
	t_argv_free(&argv);
}

static void test_args_refused(void **state)
{
	struct aq_vm vm = t_vm("relative/dir");
	struct aq_argv argv = { { NULL }, 0 };
	char longdir[AQ_PATH_MAX + 8];

	(void)state;
	assert_int_equal(disk_args_build(&t_host, &vm, "writeback", 0, &argv),
			 -1);
	assert_non_null(strstr(t_err, "not an absolute path"));
	vm.dir = "/v";
	assert_int_equal(disk_args_build(&t_host, &vm, "fast", 0, &argv), -1);
	assert_non_null(strstr(t_err, "unknown disk cache mode 'fast'"));
	memset(longdir, ',', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	vm.dir = longdir;
	assert_int_equal(disk_args_build(&t_host, &vm, "writeback", 0, &argv),
			 -1);
	assert_int_equal(strncmp(t_err, "cannot use '/,,,", 16), 0);
	assert_int_equal(argv.n, 0);
	assert_int_equal(t_nerrors, 3);
}

/* The hook looks for seed.iso and reads cache= from the config. */
static void test_args_hook(void **state)
{
	struct aq_vm vm = t_vm(t_dir);
	struct aq_argv argv = { { NULL }, 0 };
	char seed[1024];
	int fd;

	(void)state;
	assert_int_equal(aq_plugin.disk_qemu_args(&vm, &argv), 0);
	assert_int_equal(argv.n, 4);
	assert_non_null(strstr(argv.v[1], "cache=writeback"));
	assert_non_null(strstr(argv.v[1], "/vm,,one two:x/disk.qcow2,"));
	t_argv_free(&argv);

	snprintf(seed, sizeof(seed), "%s/%s", t_dir, AQ_VM_SEED);
	fd = open(seed, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	t_cache = "unsafe";
	assert_int_equal(aq_plugin.disk_qemu_args(&vm, &argv), 0);
	assert_int_equal(argv.n, 8);
	assert_non_null(strstr(argv.v[1], "cache=unsafe"));
	assert_non_null(strstr(argv.v[5], "/vm,,one two:x/seed.iso,"));
	t_argv_free(&argv);
	unlink(seed);
}

/* ---- sizes and qemu-img's JSON ---- */

static void t_human(long long bytes, const char *want)
{
	char out[32];

	disk_size_human(bytes, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_size_human(void **state)
{
	(void)state;
	t_human(0, "0 B");
	t_human(1023, "1023 B");
	t_human(1024, "1 KiB");
	t_human(1536, "1.5 KiB");
	t_human(1048575, "1 MiB");
	t_human(168LL << 20, "168 MiB");
	t_human(3LL << 29, "1.5 GiB");
	t_human(20LL << 30, "20 GiB");
	t_human(0x7fffffffffffffffLL, "8 EiB");
	t_human(-5, "-5 B");
}

static void test_info_parse(void **state)
{
	const char *good = "{\"virtual-size\": 136314880, \"filename\": "
			   "\"/x\", \"format\": \"qcow2\", \"children\": "
			   "[{\"info\": {\"virtual-size\": 5}}]}";
	const char *raw = "{\"format\": \"raw\", \"virtual-size\": 1}";
	char err[256];
	long long v = 7;

	(void)state;
	assert_int_equal(disk_info_parse(good, strlen(good), &v, err,
					 sizeof(err)), 0);
	assert_int_equal(v, 136314880);
	v = 7;
	assert_int_equal(disk_info_parse(raw, strlen(raw), &v, err,
					 sizeof(err)), -1);
	assert_string_equal(err, "not a qcow2 image (format 'raw')");
	assert_int_equal(disk_info_parse("{}", 2, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "qemu-img gave no virtual size");
	assert_int_equal(disk_info_parse("{\"virtual-size\": -1}", 20, &v,
					 err, sizeof(err)), -1);
	assert_int_equal(disk_info_parse("{\"virtual-size\": \"1\"}", 21, &v,
					 err, sizeof(err)), -1);
	assert_int_equal(disk_info_parse("[1]", 3, &v, err, sizeof(err)), -1);
	assert_int_equal(disk_info_parse("{\"virtual-", 10, &v, err,
					 sizeof(err)), -1);
	assert_non_null(strstr(err, "unreadable qemu-img output"));
	assert_int_equal(v, 7);
}

/* ---- the seed ---- */

static const char t_meta[] = "instance-id: web\nhostname: web\n"
			     "local-hostname: web\n";

/* A user-data larger than an ISO block, so several extents are read. */
static char *t_big_userdata(size_t *len)
{
	size_t n = 100000, i;
	char *s = malloc(n);

	assert_non_null(s);
	memcpy(s, "#!/bin/sh\n", 10);
	for (i = 10; i < n - 1; i++)
		s[i] = (char)('a' + i % 26);
	s[n - 1] = '\n';
	*len = n;
	return s;
}

/* Read path back with libarchive; check every entry is one of files. */
static void t_read_back(const char *path, const struct aq_seed_file *files,
			size_t nfiles)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t seen = 0, i;

	assert_non_null(a);
	archive_read_support_format_iso9660(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240),
			 ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const struct aq_seed_file *f = NULL;
		char *buf;
		la_ssize_t n;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		for (i = 0; i < nfiles; i++)
			if (strcmp(files[i].name, name) == 0)
				f = &files[i];
		if (!f)
			fail_msg("unexpected entry '%s'", name);
		assert_int_equal(archive_entry_size(e), (la_int64_t)f->len);
		assert_int_equal(archive_entry_perm(e), 0644);
		buf = malloc(f->len + 1);
		assert_non_null(buf);
		n = archive_read_data(a, buf, f->len + 1);
		assert_int_equal(n, (la_ssize_t)f->len);
		assert_memory_equal(buf, f->data, f->len);
		free(buf);
		seen++;
	}
	assert_int_equal(seen, nfiles);
	archive_read_free(a);
}

static void test_seed_round_trip(void **state)
{
	struct aq_seed_file files[3];
	char path[1024], *out;
	size_t biglen;
	char *big = t_big_userdata(&biglen);
	const char *info_d[] = { "isoinfo", "-d", "-i", path, NULL };
	const char *info_x[] = {
		"isoinfo", "-R", "-x", "/meta-data", "-i", path, NULL
	};
	const char *info_u[] = {
		"isoinfo", "-R", "-x", "/user-data", "-i", path, NULL
	};
	const char *info_j[] = {
		"isoinfo", "-J", "-x", "/meta-data", "-i", path, NULL
	};
	const char *blkid[] = {
		"blkid", "-p", "-s", "LABEL", "-o", "value", path, NULL
	};

	(void)state;
	files[0] = (struct aq_seed_file){ "meta-data", t_meta,
					  sizeof(t_meta) - 1 };
	files[1] = (struct aq_seed_file){ "user-data", big, biglen };
	files[2] = (struct aq_seed_file){ "vendor-data", "", 0 };
	snprintf(path, sizeof(path), "%s/%s", t_dir, AQ_VM_SEED);
	assert_int_equal(aq_plugin.disk_seed(path, "cidata", files, 3), 0);
	assert_int_equal(t_nerrors, 0);
	assert_false(t_exists(t_dir, AQ_VM_SEED ".tmp"));
	t_read_back(path, files, 3);

	out = t_output(info_d);
	/* The primary descriptor holds d-characters only: upper case. */
	assert_non_null(strstr(out, "Volume id: CIDATA\n"));
	assert_non_null(strstr(out, "Rock Ridge signatures"));
	assert_non_null(strstr(out, "Joliet"));
	free(out);
	out = t_output(info_x);
	assert_string_equal(out, t_meta);
	free(out);
	out = t_output(info_j);
	assert_string_equal(out, t_meta);
	free(out);
	out = t_output(info_u);
	assert_memory_equal(out, big, biglen);
	free(out);
	/* What tiny-cloud's findfs sees: the Joliet label, as given. */
	out = t_output(blkid);
	assert_string_equal(out, "cidata\n");
	free(out);
	free(big);

	/* A second write replaces the first. */
	assert_int_equal(aq_plugin.disk_seed(path, "cidata", files, 1), 0);
	t_read_back(path, files, 1);
	unlink(path);
}

static void test_seed_refused(void **state)
{
	struct aq_seed_file files[2] = {
		{ "meta-data", t_meta, sizeof(t_meta) - 1 },
		{ "meta-data", t_meta, sizeof(t_meta) - 1 },
	};
	char path[1024];
	int before = t_count_entries(t_dir);

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", t_dir, AQ_VM_SEED);
	assert_int_equal(aq_plugin.disk_seed(path, "cidata", files, 2), -1);
	assert_string_equal(t_err, "seed file 'meta-data' given twice");
	files[1].name = "../escape";
	assert_int_equal(aq_plugin.disk_seed(path, "cidata", files, 2), -1);
	assert_string_equal(t_err, "invalid seed file name '../escape'");
	assert_int_equal(aq_plugin.disk_seed(path, "ci data", files, 1), -1);
	assert_non_null(strstr(t_err, "invalid seed label 'ci data'"));
	assert_int_equal(aq_plugin.disk_seed(path, "a_label_far_too_long",
					     files, 1), -1);
	assert_int_equal(aq_plugin.disk_seed(path, "", files, 1), -1);
	snprintf(path, sizeof(path), "%s/no such dir/%s", t_dir, AQ_VM_SEED);
	assert_int_equal(aq_plugin.disk_seed(path, "cidata", files, 1), -1);
	assert_non_null(strstr(t_err, "cannot create"));
	assert_int_equal(t_nerrors, 6);
	assert_int_equal(t_count_entries(t_dir), before);
}

/* ---- disk_create with the real qemu-img ---- */

#define T_BASE_SIZE (130LL << 20)

static void t_make_image(const char *path, const char *format)
{
	const char *argv[] = {
		"qemu-img", "create", "-q", "-f", format, path, "130M", NULL
	};
	char err[512];

	if (t_run(argv, err, sizeof(err)) != 0)
		fail_msg("cannot make base '%s': %s", path, err);
}

static void t_make_base(const char *path)
{
	t_make_image(path, "qcow2");
}

/* The virtual size and backing file of an image, from qemu-img. */
static void t_info(const char *path, long long *vsize, char *backing,
		   size_t len)
{
	const char *argv[] = {
		"qemu-img", "info", "-U", "--output=json", path, NULL
	};
	char *out = t_output(argv);
	json_t *root = json_loads(out, 0, NULL);
	const char *b;

	assert_non_null(root);
	*vsize = json_integer_value(json_object_get(root, "virtual-size"));
	b = json_string_value(json_object_get(root, "backing-filename"));
	snprintf(backing, len, "%s", b ? b : "");
	json_decref(root);
	free(out);
}

static void test_create_grows(void **state)
{
	struct aq_vm vm = t_vm(t_dir);
	char base[1024], disk[1024], backing[1024];
	long long vsize;

	(void)state;
	snprintf(base, sizeof(base), "%s/base,image 1.qcow2", t_root);
	snprintf(disk, sizeof(disk), "%s/%s", t_dir, AQ_VM_DISK);
	t_make_base(base);
	vm.base_image = base;
	vm.disk_bytes = 1LL << 30;
	assert_int_equal(aq_plugin.disk_create(&vm), 0);
	assert_int_equal(t_nerrors, 0);
	assert_false(t_exists(t_dir, AQ_VM_DISK ".tmp"));
	t_info(disk, &vsize, backing, sizeof(backing));
	assert_int_equal(vsize, 1LL << 30);
	assert_string_equal(backing, base);

	/* An existing disk is never overwritten. */
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	assert_non_null(strstr(t_err, "/disk.qcow2': it already exists"));
	t_info(disk, &vsize, backing, sizeof(backing));
	assert_int_equal(vsize, 1LL << 30);
	unlink(disk);

	/* Zero and exactly the base's size both give the base's size. */
	vm.disk_bytes = 0;
	assert_int_equal(aq_plugin.disk_create(&vm), 0);
	t_info(disk, &vsize, backing, sizeof(backing));
	assert_int_equal(vsize, T_BASE_SIZE);
	unlink(disk);
	vm.disk_bytes = T_BASE_SIZE;
	assert_int_equal(aq_plugin.disk_create(&vm), 0);
	t_info(disk, &vsize, backing, sizeof(backing));
	assert_int_equal(vsize, T_BASE_SIZE);
	unlink(disk);
}

static void test_create_relative_base(void **state)
{
	struct aq_vm vm = t_vm(t_dir);
	char cwd[1024], base[1024], disk[1024], backing[1024];
	long long vsize;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(base, sizeof(base), "%s/rel.qcow2", t_root);
	snprintf(disk, sizeof(disk), "%s/%s", t_dir, AQ_VM_DISK);
	t_make_base(base);
	assert_int_equal(chdir(t_root), 0);
	vm.base_image = "rel.qcow2";
	vm.disk_bytes = 2LL << 30;
	assert_int_equal(aq_plugin.disk_create(&vm), 0);
	assert_int_equal(chdir(cwd), 0);
	t_info(disk, &vsize, backing, sizeof(backing));
	assert_int_equal(vsize, 2LL << 30);
	assert_string_equal(backing, base);
	unlink(disk);
}

static void test_create_refused(void **state)
{
	struct aq_vm vm = t_vm(t_dir);
	char base[1024], missing[1024], raw[1024], nodir[1024], want[1100];
	int before;

	(void)state;
	snprintf(base, sizeof(base), "%s/small.qcow2", t_root);
	t_make_base(base);
	before = t_count_entries(t_dir);
	vm.base_image = base;
	vm.disk_bytes = 64LL << 20;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	assert_string_equal(t_err, "disk size 64 MiB is smaller than the "
			    "image's 130 MiB");
	vm.disk_bytes = T_BASE_SIZE - 1;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	assert_string_equal(t_err, "disk size 136314879 bytes is smaller than "
			    "the image's 136314880 bytes");

	snprintf(missing, sizeof(missing), "%s/missing.qcow2", t_root);
	vm.base_image = missing;
	vm.disk_bytes = 1LL << 30;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	assert_non_null(strstr(t_err, "cannot read image '"));
	assert_non_null(strstr(t_err, "qemu-img: "));

	/* Not qcow2: a raw file of the right size. */
	snprintf(raw, sizeof(raw), "%s/raw.img", t_root);
	t_make_image(raw, "raw");
	vm.base_image = raw;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	assert_non_null(strstr(t_err, "cannot read image '"));

	vm.base_image = base;
	vm.disk_bytes = -1;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);

	/* qemu-img's own complaint reaches the message. */
	snprintf(nodir, sizeof(nodir), "%s/no such dir", t_root);
	vm.dir = nodir;
	vm.disk_bytes = 1LL << 30;
	assert_int_equal(aq_plugin.disk_create(&vm), -1);
	snprintf(want, sizeof(want), "cannot create '%s/%s': qemu-img: ",
		 nodir, AQ_VM_DISK);
	assert_int_equal(strncmp(t_err, want, strlen(want)), 0);
	assert_non_null(strstr(t_err, "No such file or directory"));
	assert_int_equal(t_nerrors, 6);
	assert_int_equal(t_count_entries(t_dir), before);
	assert_false(t_exists(t_dir, AQ_VM_DISK));
	assert_false(t_exists(t_dir, AQ_VM_DISK ".tmp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_escape, t_each),
		cmocka_unit_test_setup(test_args_awkward, t_each),
		cmocka_unit_test_setup(test_args_no_seed, t_each),
		cmocka_unit_test_setup(test_args_refused, t_each),
		cmocka_unit_test_setup(test_args_hook, t_each),
		cmocka_unit_test_setup(test_size_human, t_each),
		cmocka_unit_test_setup(test_info_parse, t_each),
		cmocka_unit_test_setup(test_seed_round_trip, t_each),
		cmocka_unit_test_setup(test_seed_refused, t_each),
		cmocka_unit_test_setup(test_create_grows, t_each),
		cmocka_unit_test_setup(test_create_relative_base, t_each),
		cmocka_unit_test_setup(test_create_refused, t_each),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
