/*
 * Snapshot metadata without QEMU: snapshot.ini read and written, tags,
 * what depends on a tag, removal, leftovers, and what a clone may ask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "snapshot.h"
#include "util.h"

static char home[] = "/tmp/aq-test-snapshot.XXXXXX";
static char base[AQ_PATH_MAX];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	if (!mkdtemp(home) || setenv("AQ_HOME", home, 1) < 0)
		return -1;
	snprintf(base, sizeof(base), "%s/base.qcow2", home);
	f = fopen(base, "w");
	if (!f)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return aq_rm_rf(home);
}

static void expect_error(int r, const char *why)
{
	assert_true(r < 0);
	if (!strstr(aq_error_last(), why))
		fail_msg("message '%s' lacks '%s'", aq_error_last(), why);
	aq_error_clear();
}

/* A committed snapshot tag with the given parent ("" for none). */
static void make(const char *tag, const char *parent, int live)
{
	struct snapshot s;
	char root[AQ_PATH_MAX], layer[AQ_PATH_MAX];
	FILE *f;

	memset(&s, 0, sizeof(s));
	assert_int_equal(snapshot_root(root, sizeof(root)), 0);
	snprintf(s.dir, sizeof(s.dir), "%s/%s", root, tag);
	assert_int_equal(mkdir(s.dir, 0700), 0);
	snprintf(s.tag, sizeof(s.tag), "%s", tag);
	snprintf(s.id, sizeof(s.id), "id-%s", tag);
	s.live = live;
	snprintf(s.parent, sizeof(s.parent), "%s", parent);
	snprintf(s.source, sizeof(s.source), "src");
	snprintf(s.backing, sizeof(s.backing), "%s", base);
	snprintf(s.base, sizeof(s.base), "%s", base);
	snprintf(s.arch, sizeof(s.arch), "x86_64");
	snprintf(s.mac, sizeof(s.mac), "52:54:00:00:00:01");
	s.cpus = 1;
	s.memory_mib = 512;
	s.disk_bytes = 2LL << 30;
	if (live) {
		snprintf(s.qemu, sizeof(s.qemu), "10.0.2");
		snprintf(s.machine, sizeof(s.machine), "pc-q35-10.0-machine");
		snprintf(s.accel, sizeof(s.accel), "tcg");
		snprintf(s.cpu_model, sizeof(s.cpu_model), "max-x86_64-cpu");
	}
	assert_int_equal(snapshot_save(&s), 0);
	snprintf(layer, sizeof(layer), "%s/%s", s.dir, SNAPSHOT_LAYER);
	f = fopen(layer, "w");
	assert_non_null(f);
	fclose(f);
}

/* A VM whose disk sits on image. */
static void make_vm(const char *name, const char *image)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char root[AQ_PATH_MAX];

	assert_non_null(vm);
	assert_int_equal(vm_root(root, sizeof(root)), 0);
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	snprintf(vm->dir, sizeof(vm->dir), "%s/%s", root, name);
	assert_int_equal(mkdir(vm->dir, 0700), 0);
	snprintf(vm->arch, sizeof(vm->arch), "x86_64");
	snprintf(vm->mac, sizeof(vm->mac), "52:54:00:00:00:02");
	snprintf(vm->image, sizeof(vm->image), "%s", image);
	vm->cpus = 1;
	vm->memory_mib = 512;
	vm->disk_bytes = 2LL << 30;
	vm->ssh_port = 2222;
	assert_int_equal(vm_save(vm), 0);
	free(vm);
}

static void tags(void **state)
{
	(void)state;
	assert_int_equal(snapshot_tag_valid("web-ready"), 0);
	assert_int_equal(snapshot_tag_valid("0day"), 0);
	expect_error(snapshot_tag_valid(""), "snapshot tag is empty");
	expect_error(snapshot_tag_valid("-x"), "must start with");
	expect_error(snapshot_tag_valid("Web"), "must start with");
	expect_error(snapshot_tag_valid("a/b"), "use lowercase letters");
	expect_error(snapshot_tag_valid("a.b"), "use lowercase letters");
	expect_error(snapshot_tag_valid(
		"a123456789012345678901234567890123456789012345678"),
		"is longer than");
}

static void ini_roundtrip(void **state)
{
	struct snapshot s;

	(void)state;
	make("cold1", "", 0);
	make("live1", "cold1", 1);
	assert_int_equal(snapshot_load("cold1", &s), 0);
	assert_false(s.live);
	assert_string_equal(s.parent, "");
	assert_string_equal(s.base, base);
	assert_int_equal(s.memory_mib, 512);
	assert_true(s.disk_bytes == 2LL << 30);
	assert_int_equal(snapshot_load("live1", &s), 0);
	assert_true(s.live);
	assert_string_equal(s.parent, "cold1");
	assert_string_equal(s.qemu, "10.0.2");
	assert_string_equal(s.machine, "pc-q35-10.0-machine");
	assert_string_equal(s.cpu_model, "max-x86_64-cpu");
	assert_int_equal(snapshot_load("nope", &s), AQ_ENOTFOUND);
	assert_string_equal(aq_error_last(), "no snapshot named 'nope'");
	aq_error_clear();
}

static void broken_ini_is_named(void **state)
{
	char root[AQ_PATH_MAX], file[AQ_PATH_MAX];
	struct snapshot s;
	FILE *f;

	(void)state;
	assert_int_equal(snapshot_root(root, sizeof(root)), 0);
	snprintf(file, sizeof(file), "%s/broken", root);
	assert_int_equal(mkdir(file, 0700), 0);
	snprintf(file, sizeof(file), "%s/broken/%s", root, SNAPSHOT_INI);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("[snapshot]\ntag = broken\nid = x\nkind = warm\n", f);
	fclose(f);
	expect_error(snapshot_load("broken", &s), "missing key");
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("[snapshot]\ntag = other\n", f);
	fclose(f);
	expect_error(snapshot_load("broken", &s), "missing key");
	snprintf(file, sizeof(file), "%s/broken", root);
	assert_int_equal(aq_rm_rf(file), 0);
}

static void list_skips_hidden(void **state)
{
	char root[AQ_PATH_MAX], dir[AQ_PATH_MAX];
	char **names = NULL;
	size_t n;

	(void)state;
	assert_int_equal(snapshot_root(root, sizeof(root)), 0);
	snprintf(dir, sizeof(dir), "%s/.new-x-abcdef", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(snapshot_list(&names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "cold1");
	assert_string_equal(names[1], "live1");
	aq_names_free(names);
}

static void users_block_removal(void **state)
{
	struct aq_buf vms = AQ_BUF_INIT, kids = AQ_BUF_INIT;
	char layer[AQ_PATH_MAX], root[AQ_PATH_MAX], dir[AQ_PATH_MAX];
	struct snapshot s;

	(void)state;
	assert_int_equal(snapshot_load("cold1", &s), 0);
	assert_int_equal(snapshot_file(&s, SNAPSHOT_LAYER, layer,
				       sizeof(layer)), 0);
	make_vm("vm-b", layer);
	make_vm("vm-a", layer);
	make_vm("other", base);
	assert_int_equal(snapshot_users(&s, &vms, &kids), 0);
	assert_string_equal(vms.s, "vm-a, vm-b");
	assert_string_equal(kids.s, "live1");
	expect_error(snapshot_remove("cold1"),
		     "it is in use by VM vm-a, vm-b and snapshot live1");
	assert_int_equal(snapshot_remove("live1"), 0);
	assert_int_equal(vm_root(root, sizeof(root)), 0);
	snprintf(dir, sizeof(dir), "%s/vm-a", root);
	assert_int_equal(aq_rm_rf(dir), 0);
	snprintf(dir, sizeof(dir), "%s/vm-b", root);
	assert_int_equal(aq_rm_rf(dir), 0);
	assert_int_equal(snapshot_remove("cold1"), 0);
	/* Leftovers nothing owns went with it. */
	assert_int_equal(snapshot_root(root, sizeof(root)), 0);
	snprintf(dir, sizeof(dir), "%s/.new-x-abcdef", root);
	assert_false(aq_exists(dir));
	aq_buf_release(&vms);
	aq_buf_release(&kids);
}

static void what_a_clone_may_ask(void **state)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct snapshot s;

	(void)state;
	assert_non_null(vm);
	make("live2", "", 1);
	assert_int_equal(snapshot_clone_init("live2", vm, &s), 0);
	assert_int_equal(vm->memory_mib, 512);
	assert_non_null(strstr(vm->image, "/snapshots/live2/layer.qcow2"));
	assert_int_equal(snapshot_clone_check(&s, vm), 0);
	vm->memory_mib = 1024;
	expect_error(snapshot_clone_check(&s, vm),
		     "taken with 512 MiB of memory; a VM resuming it must "
		     "have the same, not 1024 MiB");
	vm->memory_mib = 512;
	vm->cpus = 4;
	expect_error(snapshot_clone_check(&s, vm), "taken with 1 CPUs");
	vm->cpus = 1;
	vm->disk_bytes = 4LL << 30;
	expect_error(snapshot_clone_check(&s, vm), "keep that size");
	s.live = 0;
	assert_int_equal(snapshot_clone_check(&s, vm), 0);
	unlink(base);
	expect_error(snapshot_clone_init("live2", vm, &s),
		     "needs base image");
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tags),
		cmocka_unit_test(ini_roundtrip),
		cmocka_unit_test(broken_ini_is_named),
		cmocka_unit_test(list_skips_hidden),
		cmocka_unit_test(users_block_removal),
		cmocka_unit_test(what_a_clone_may_ask),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
