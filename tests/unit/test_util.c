/*
 * Sizes, numbers and option parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "opts.h"
#include "util.h"

static void sizes(void **state)
{
	long long v;
	char out[32];

	(void)state;
	assert_int_equal(aq_parse_size("512M", 1, &v), 0);
	assert_true(v == 512LL << 20);
	assert_int_equal(aq_parse_size("2G", 1, &v), 0);
	assert_true(v == 2LL << 30);
	assert_int_equal(aq_parse_size("1.5GiB", 1, &v), 0);
	assert_true(v == 3LL << 29);
	assert_int_equal(aq_parse_size("10", 1LL << 30, &v), 0);
	assert_true(v == 10LL << 30);
	assert_int_equal(aq_parse_size("4k", 1, &v), 0);
	assert_true(v == 4096);
	assert_int_equal(aq_parse_size("1TB", 1, &v), 0);
	assert_int_equal(aq_parse_size("", 1, &v), -1);
	assert_int_equal(aq_parse_size("-1G", 1, &v), -1);
	assert_int_equal(aq_parse_size("0", 1, &v), -1);
	assert_int_equal(aq_parse_size("G", 1, &v), -1);
	assert_int_equal(aq_parse_size("1X", 1, &v), -1);
	assert_int_equal(aq_parse_size("1GG", 1, &v), -1);
	assert_int_equal(aq_parse_size("nan", 1, &v), -1);
	assert_int_equal(aq_parse_size("99999999999T", 1, &v), -1);
	aq_format_size(512LL << 20, out, sizeof(out));
	assert_string_equal(out, "512M");
	aq_format_size(3LL << 29, out, sizeof(out));
	assert_string_equal(out, "1.5G");
	aq_format_size(100, out, sizeof(out));
	assert_string_equal(out, "100B");
}

static void numbers(void **state)
{
	long v;

	(void)state;
	assert_int_equal(aq_parse_long("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(aq_parse_long("0", 1, 100, &v), -1);
	assert_non_null(strstr(aq_error_last(), "out of range"));
	assert_int_equal(aq_parse_long("4x", 1, 100, &v), -1);
	assert_int_equal(aq_parse_long("", 1, 100, &v), -1);
	assert_int_equal(aq_parse_long("99999999999999999999", 1, 100, &v), -1);
}

static void options(void **state)
{
	static const struct aq_opt t[] = {
		{ 'p', 'p', "port", 1 },
		{ 'f', 'f', "force", 0 },
		{ 0, 0, NULL, 0 }
	};
	char *argv[] = { "new", "-p", "1", "name", "--port=2", "-p3",
			 "--force", "--", "-x", NULL };
	const char *ports[3];
	struct aq_opts o;
	int id, n = 0, forced = 0;

	(void)state;
	assert_int_equal(aq_opts_init(&o, 9, argv, t, 0), 0);
	while ((id = aq_opts_next(&o)) > 0) {
		if (id == 'p')
			ports[n++] = o.arg;
		else
			forced = 1;
	}
	assert_int_equal(id, 0);
	assert_int_equal(n, 3);
	assert_string_equal(ports[0], "1");
	assert_string_equal(ports[1], "2");
	assert_string_equal(ports[2], "3");
	assert_int_equal(forced, 1);
	assert_int_equal(o.noperands, 2);
	assert_string_equal(o.operands[0], "name");
	assert_string_equal(o.operands[1], "-x");
	aq_opts_release(&o);
}

static void options_stop(void **state)
{
	static const struct aq_opt t[] = {
		{ 't', 't', "tty", 0 },
		{ 0, 0, NULL, 0 }
	};
	char *argv[] = { "exec", "-t", "vm", "ls", "-l", NULL };
	char *bad[] = { "exec", "--nope", NULL };
	char *missing[] = { "new", "-p", NULL };
	static const struct aq_opt tp[] = {
		{ 'p', 'p', "port", 1 },
		{ 0, 0, NULL, 0 }
	};
	struct aq_opts o;

	(void)state;
	assert_int_equal(aq_opts_init(&o, 5, argv, t,
				      AQ_OPTS_STOP_AT_OPERAND), 0);
	assert_int_equal(aq_opts_next(&o), 't');
	assert_int_equal(aq_opts_next(&o), 0);
	assert_int_equal(o.noperands, 1);
	assert_string_equal(o.operands[0], "vm");
	assert_int_equal(o.index, 3);
	aq_opts_release(&o);
	assert_int_equal(aq_opts_init(&o, 2, bad, t, 0), 0);
	assert_int_equal(aq_opts_next(&o), -1);
	aq_opts_release(&o);
	assert_int_equal(aq_opts_init(&o, 2, missing, tp, 0), 0);
	assert_int_equal(aq_opts_next(&o), -1);
	aq_opts_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(numbers),
		cmocka_unit_test(options),
		cmocka_unit_test(options_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
