/*
 * Unit tests of the ssh plugin's pure parts: quoting for the remote
 * shell and for ssh options (exec_quote.c), and the shared ssh command
 * line (exec_args.c).  The shell quoting is also checked against a real
 * /bin/sh, which must give back exactly the words we started from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec_args.h"
#include "exec_quote.h"

static void join_is(int argc, const char *const argv[], const char *want)
{
	char *got = exec_shell_join(argc, argv);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_join_quotes_every_word(void **state)
{
	const char *const plain[] = { "echo", "hi" };
	const char *const empty[] = { "printf", "%s|", "" };
	const char *const quote[] = { "it's" };
	const char *const meta[] = { "$HOME", "a b", "`x`", ";", "*" };

	(void)state;
	join_is(0, NULL, "");
	join_is(2, plain, "'echo' 'hi'");
	join_is(3, empty, "'printf' '%s|' ''");
	join_is(1, quote, "'it'\\''s'");
	join_is(5, meta, "'$HOME' 'a b' '`x`' ';' '*'");
}

/* Run sh -c 'printf "[%s]" QUOTED' and return its stdout. */
static char *sh_words(const char *quoted)
{
	static char out[4096];
	char script[4096];
	int p[2];
	size_t n = 0;
	ssize_t r;
	pid_t pid;
	int st;

	snprintf(script, sizeof(script), "printf '[%%s]' %s", quoted);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	close(p[0]);
	out[n] = '\0';
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return out;
}

static void test_join_survives_a_real_shell(void **state)
{
	const char *const words[] = {
		"", "'", "''", "a b", "$HOME", "${x:-y}", "`id`", "$(id)",
		"\\", "\\'", "*", "?", "~", "!", "#", "-n", "\n", "\t", "\"",
		"a'b'c", "%s", "é",
	};
	const int n = (int)(sizeof(words) / sizeof(words[0]));
	char want[4096] = "";
	char *line;
	int i;

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = strlen(want);

		snprintf(want + len, sizeof(want) - len, "[%s]", words[i]);
	}
	line = exec_shell_join(n, words);
	assert_non_null(line);
	assert_string_equal(sh_words(line), want);
	free(line);
}

static void quote_is(const char *in, const char *want)
{
	char out[256];

	assert_int_equal(exec_config_quote(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_config_quote(void **state)
{
	char out[8];

	(void)state;
	quote_is("/home/u/.local/share/aq/keys/id_ed25519",
		 "\"/home/u/.local/share/aq/keys/id_ed25519\"");
	quote_is("/a b/c", "\"/a b/c\"");
	quote_is("/100%/x", "\"/100%%/x\"");
	quote_is("/q\"uo\\te", "\"/q\\\"uo\\\\te\"");
	quote_is("/$x/~/#", "\"/$x/~/#\"");
	quote_is("", "\"\"");
	assert_int_equal(exec_config_quote("/a${HOME}", out, sizeof(out)), -1);
	assert_int_equal(exec_config_quote("/a\nb", out, sizeof(out)), -1);
	assert_int_equal(exec_config_quote("/a\rb", out, sizeof(out)), -1);
	/* Exactly fits: 5 bytes + 2 quotes + NUL; one more does not. */
	assert_int_equal(exec_config_quote("/abcd", out, sizeof(out)), 0);
	assert_string_equal(out, "\"/abcd\"");
	assert_int_equal(exec_config_quote("/abcde", out, sizeof(out)), -1);
	assert_int_equal(exec_config_quote("/ab%", out, sizeof(out)), 0);
	assert_int_equal(exec_config_quote("/abc%", out, sizeof(out)), -1);
	assert_int_equal(exec_config_quote("", out, 2), -1);
}

static int argv_has(const struct exec_cmd *c, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i + 1 < c->argc; i++)
		if (!strcmp(c->argv[i], a) && !strcmp(c->argv[i + 1], b))
			return 1;
	return 0;
}

static void test_cmd_shared_options(void **state)
{
	static struct exec_cmd c;

	(void)state;
	exec_cmd_init(&c);
	exec_cmd_add(&c, "-O");
	exec_cmd_add(&c, "check");
	assert_int_equal(exec_cmd_target(&c, "/h/keys/id_ed25519",
					 "/h/vms/web", 2222), 0);
	assert_int_equal(exec_cmd_done(&c), 0);
	assert_string_equal(c.argv[0], "ssh");
	assert_string_equal(c.argv[1], "-O");
	assert_string_equal(c.argv[2], "check");
	assert_true(argv_has(&c, "-F", "none"));
	assert_true(argv_has(&c, "-o", "IdentityFile=\"/h/keys/id_ed25519\""));
	assert_true(argv_has(&c, "-o", "IdentitiesOnly=yes"));
	assert_true(argv_has(&c, "-o", "UserKnownHostsFile="
			     "\"/h/vms/web/known_hosts\""));
	assert_true(argv_has(&c, "-o", "GlobalKnownHostsFile=/dev/null"));
	assert_true(argv_has(&c, "-o", "StrictHostKeyChecking=accept-new"));
	assert_true(argv_has(&c, "-o", "BatchMode=yes"));
	assert_true(argv_has(&c, "-o", "LogLevel=ERROR"));
	assert_true(argv_has(&c, "-o", "ControlPath=\"/h/vms/web/ssh.sock\""));
	assert_true(argv_has(&c, "-p", "2222"));
	assert_string_equal(c.argv[c.argc - 1], EXEC_DEST);
	assert_null(c.argv[c.argc]);
}

static void test_cmd_refuses_what_ssh_would_misread(void **state)
{
	static struct exec_cmd c;

	(void)state;
	exec_cmd_init(&c);
	assert_int_equal(exec_cmd_target(&c, "/k", "/vm/${X}", 22), -1);
	exec_cmd_init(&c);
	assert_int_equal(exec_cmd_target(&c, "/k", "/vm", 0), -1);
	exec_cmd_init(&c);
	assert_int_equal(exec_cmd_target(&c, "/k", "/vm", 65536), -1);
}

static void test_cmd_overflow_is_reported(void **state)
{
	static struct exec_cmd c;
	int i;

	(void)state;
	exec_cmd_init(&c);
	for (i = 0; i < EXEC_ARGV_MAX; i++)
		exec_cmd_add(&c, "-v");
	assert_int_equal(exec_cmd_done(&c), -1);
	assert_int_equal(c.argc, EXEC_ARGV_MAX);
	assert_null(c.argv[EXEC_ARGV_MAX]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_quotes_every_word),
		cmocka_unit_test(test_join_survives_a_real_shell),
		cmocka_unit_test(test_config_quote),
		cmocka_unit_test(test_cmd_shared_options),
		cmocka_unit_test(test_cmd_refuses_what_ssh_would_misread),
		cmocka_unit_test(test_cmd_overflow_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
