/*
 * The seed's meta-data and user-data.  The user-data script is also
 * checked by shellcheck as POSIX sh when shellcheck is installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "provision.h"
#include "spawn.h"
#include "util.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh aq"

static void fill(struct vm *vm, const char *arch)
{
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "web-1");
	snprintf(vm->arch, sizeof(vm->arch), "%s", arch);
	snprintf(vm->mac, sizeof(vm->mac), "52:54:00:12:34:56");
}

static void meta_data(void **state)
{
	struct aq_buf b = AQ_BUF_INIT;
	struct vm vm;

	(void)state;
	fill(&vm, "x86_64");
	assert_int_equal(provision_meta_data(&vm, KEY, &b), 0);
	assert_non_null(strstr(b.s, "\nhostname: web-1\n"));
	assert_non_null(strstr(b.s, "\nlocal-hostname: web-1\n"));
	assert_non_null(strstr(b.s, "instance-id: aq-web-1-"));
	assert_non_null(strstr(b.s, "public-keys:\n  - openssh-key: " KEY
			       "\n"));
	aq_buf_release(&b);
	assert_int_equal(provision_meta_data(&vm, "bad'key", &b), -1);
	assert_int_equal(provision_meta_data(&vm, "", &b), -1);
}

static void user_data(void **state)
{
	struct aq_buf b = AQ_BUF_INIT;
	struct vm vm;

	(void)state;
	fill(&vm, "aarch64");
	assert_int_equal(provision_user_data(&vm, KEY, &b), 0);
	assert_memory_equal(b.s, "#!/bin/sh\n", 10);
	assert_non_null(strstr(b.s, "aq_key='" KEY "'"));
	assert_non_null(strstr(b.s, "aq_tty='ttyAMA0'"));
	assert_non_null(strstr(b.s, "s/^root:[^:]*:/root:*:/"));
	assert_non_null(strstr(b.s, "kill -HUP 1"));
	assert_non_null(strstr(b.s, "\nexit 0\n"));
	assert_int_equal(b.s[b.len - 1], '\n');
	aq_buf_release(&b);
}

static void shellcheck(void **state)
{
	char path[] = "/tmp/aq-user-data-XXXXXX";
	struct aq_buf b = AQ_BUF_INIT, out = AQ_BUF_INIT;
	const char *argv[] = { "shellcheck", "-s", "sh", path, NULL };
	char sc[4096];
	struct vm vm;
	int fd;

	(void)state;
	if (aq_which("shellcheck", sc, sizeof(sc)) < 0)
		skip();
	fill(&vm, "x86_64");
	assert_int_equal(provision_user_data(&vm, KEY, &b), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.s, b.len), (ssize_t)b.len);
	close(fd);
	if (aq_run_capture(argv, &out, NULL) != 0)
		fail_msg("shellcheck:\n%s", out.s);
	unlink(path);
	aq_buf_release(&b);
	aq_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta_data),
		cmocka_unit_test(user_data),
		cmocka_unit_test(shellcheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
