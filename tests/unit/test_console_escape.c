/*
 * Unit tests of the console's escape detector (console_escape.c): what
 * reaches the guest, and when the session ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "console_escape.h"

/* Feed s in one go; return what would be sent, NUL-terminated. */
static const char *feed(struct console_escape *e, const char *s, int *detach)
{
	static unsigned char out[256];
	size_t n = console_escape_feed(e, (const unsigned char *)s, strlen(s),
				       out, detach);

	assert_true(n <= strlen(s) + 1);
	out[n] = '\0';
	return (const char *)out;
}

/* A fresh detector fed s; checks the bytes sent and the detach flag. */
static void check(const char *s, const char *sent, int detach)
{
	struct console_escape e;
	int d = -1;

	console_escape_init(&e);
	assert_string_equal(feed(&e, s, &d), sent);
	assert_int_equal(d, detach);
}

static void test_plain_bytes_pass(void **state)
{
	(void)state;
	check("", "", 0);
	check("root\r", "root\r", 0);
	check("a~b~.c", "a~b~.c", 0);
	check("\x03\x04\x1b[A", "\x03\x04\x1b[A", 0);
}

static void test_ctrl_bracket_detaches_anywhere(void **state)
{
	(void)state;
	check("\x1d", "", 1);
	check("abc\x1dxyz", "abc", 1);
	check("\r\x1d", "\r", 1);
}

static void test_tilde_dot_at_line_start(void **state)
{
	(void)state;
	check("~.", "", 1);
	check("ls\r~.", "ls\r", 1);
	check("ls\n~.rest", "ls\n", 1);
	check("ls~.", "ls~.", 0);
	check(" ~.", " ~.", 0);
}

static void test_tilde_tilde_sends_one(void **state)
{
	(void)state;
	check("~~", "~", 0);
	/* After "~~" the line has begun: a '.' is just a '.'. */
	check("~~.", "~.", 0);
	check("\r~~~.", "\r~~.", 0);
}

static void test_tilde_other_sends_both(void **state)
{
	(void)state;
	check("~x", "~x", 0);
	check("~\r~.", "~\r", 1);
	check("~\x1d", "~", 1);
	check("~?", "~?", 0);
}

static void test_split_across_feeds(void **state)
{
	struct console_escape e;
	int d;

	(void)state;
	console_escape_init(&e);
	assert_string_equal(feed(&e, "echo hi\r", &d), "echo hi\r");
	assert_int_equal(d, 0);
	assert_string_equal(feed(&e, "~", &d), "");
	assert_int_equal(d, 0);
	assert_string_equal(feed(&e, "a", &d), "~a");
	assert_int_equal(d, 0);
	assert_string_equal(feed(&e, "\n~", &d), "\n");
	assert_string_equal(feed(&e, ".", &d), "");
	assert_int_equal(d, 1);
}

static void test_detached_stays_detached(void **state)
{
	struct console_escape e;
	int d;

	(void)state;
	console_escape_init(&e);
	assert_string_equal(feed(&e, "~.", &d), "");
	assert_int_equal(d, 1);
	assert_string_equal(feed(&e, "more", &d), "");
	assert_int_equal(d, 1);
}

static void test_finish_sends_held_tilde(void **state)
{
	struct console_escape e;
	unsigned char c = 0;
	int d;

	(void)state;
	console_escape_init(&e);
	assert_int_equal(console_escape_finish(&e, &c), 0);
	assert_string_equal(feed(&e, "x\r~", &d), "x\r");
	assert_int_equal(console_escape_finish(&e, &c), 1);
	assert_int_equal(c, '~');
	assert_int_equal(console_escape_finish(&e, &c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes_pass),
		cmocka_unit_test(test_ctrl_bracket_detaches_anywhere),
		cmocka_unit_test(test_tilde_dot_at_line_start),
		cmocka_unit_test(test_tilde_tilde_sends_one),
		cmocka_unit_test(test_tilde_other_sends_both),
		cmocka_unit_test(test_split_across_feeds),
		cmocka_unit_test(test_detached_stays_detached),
		cmocka_unit_test(test_finish_sends_held_tilde),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
