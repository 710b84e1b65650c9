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

/* A provisioning with every part, its buffers borrowed from literals. */
static void full(struct provision *p)
{
	static char overlay[] = "\x1f\x8b fake";
	static char script[] = "#!/bin/sh\necho hi\n";

	*p = (struct provision)PROVISION_INIT;
	snprintf(p->packages, sizeof(p->packages), "nginx curl>8");
	p->overlay.s = overlay;
	p->overlay.len = sizeof(overlay) - 1;
	p->script.s = script;
	p->script.len = sizeof(script) - 1;
	p->extra.s = script;
	p->extra.len = sizeof(script) - 1;
}

static void user_data_provisioning(void **state)
{
	struct aq_buf b = AQ_BUF_INIT;
	struct provision p;
	struct vm vm;
	const char *root, *prov;

	(void)state;
	fill(&vm, "x86_64");
	full(&p);
	assert_int_equal(provision_user_data_for(&vm, KEY, &p, &b), 0);
	root = strstr(b.s, "s/^root:[^:]*:/root:*:/");
	prov = strstr(b.s, "aq_provision >\"$aq_log\" 2>&1 </dev/null");
	/* Root's key comes first: aq start waits on it, then on this. */
	assert_non_null(root);
	assert_non_null(prov);
	assert_true(root < prov);
	assert_non_null(strstr(b.s, "findfs \"LABEL=$aq_label\""));
	assert_non_null(strstr(b.s, "for aq_label in cidata CIDATA"));
	assert_non_null(strstr(b.s, "apk add $aq_packages"));
	assert_non_null(strstr(b.s, "command -v apk"));
	assert_non_null(strstr(b.s, "tar -xzf \"$aq_seed/aq-overlay.tar.gz\" "
			       "-C /"));
	assert_non_null(strstr(b.s, "aq-provision.sh aq-provision-extra.sh"));
	assert_non_null(strstr(b.s, "aq_status=/var/lib/aq/provision.status"));
	assert_non_null(strstr(b.s, "if [ ! -e \"$aq_status\" ]; then"));
	assert_non_null(strstr(b.s, "\nexit 0\n"));
	aq_buf_release(&b);

	/* Nothing to provision: the seed is not even mounted. */
	assert_int_equal(provision_user_data(&vm, KEY, &b), 0);
	assert_null(strstr(b.s, "findfs"));
	assert_null(strstr(b.s, "apk"));
	assert_non_null(strstr(b.s, "nothing to provision"));
	assert_non_null(strstr(b.s, "mv \"$aq_status.new\" \"$aq_status\""));
	aq_buf_release(&b);
}

static void shellcheck_one(const struct provision *p)
{
	char path[] = "/tmp/aq-user-data-XXXXXX";
	struct aq_buf b = AQ_BUF_INIT, out = AQ_BUF_INIT;
	const char *argv[] = { "shellcheck", "-s", "sh", path, NULL };
	struct vm vm;
	int fd;

	fill(&vm, "x86_64");
	assert_int_equal(provision_user_data_for(&vm, KEY, p, &b), 0);
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

static void shellcheck(void **state)
{
	struct provision p;
	char sc[4096];

	(void)state;
	if (aq_which("shellcheck", sc, sizeof(sc)) < 0)
		skip();
	shellcheck_one(NULL);
	full(&p);
	shellcheck_one(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta_data),
		cmocka_unit_test(user_data),
		cmocka_unit_test(user_data_provisioning),
		cmocka_unit_test(shellcheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
