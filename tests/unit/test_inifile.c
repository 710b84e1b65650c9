/*
 * INI files read against a schema: file:line messages for every refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "inifile.h"

static const struct aq_ini_key schema[] = {
	{ "vm", "name", 0 },
	{ "vm", "forward", AQ_INI_MULTI },
	{ "other", "x", 0 },
	{ NULL, NULL, 0 }
};

static void refuse(const char *text, const char *why)
{
	struct aq_ini ini = AQ_INI_INIT;

	aq_error_clear();
	assert_int_equal(aq_ini_parse(text, "t.ini", schema, &ini), -1);
	if (!strstr(aq_error_last(), why))
		fail_msg("message '%s' lacks '%s'", aq_error_last(), why);
	assert_int_equal(ini.n, 0);
}

static void reads(void **state)
{
	struct aq_ini ini = AQ_INI_INIT;

	(void)state;
	assert_int_equal(aq_ini_parse("# c\n[vm]\nname = web\n"
				      "forward = a\nforward = b\n"
				      "[other]\nx=1 ; inline\n", "t.ini",
				      schema, &ini), 0);
	assert_string_equal(aq_ini_get(&ini, "vm", "name"), "web");
	assert_string_equal(aq_ini_get(&ini, "vm", "forward"), "b");
	assert_int_equal(ini.n, 4);
	assert_null(aq_ini_get(&ini, "vm", "nope"));
	aq_ini_release(&ini);
	assert_int_equal(aq_ini_parse("", "t.ini", schema, &ini), 0);
	assert_int_equal(ini.n, 0);
}

static void refuses(void **state)
{
	(void)state;
	refuse("[vm]\nname = a\nmem = 5\n", "t.ini:3: unknown key 'mem' in "
	       "section [vm]");
	refuse("[vmm]\nname = a\n", "t.ini:2: unknown section [vmm]");
	refuse("[vm]\nname = a\nname = b\n", "t.ini:3: key 'name' in section "
	       "[vm] is set twice");
	refuse("[vm]\nthis is not ini\n", "t.ini:2: syntax error");
	refuse("[vm\nname = a\n", "t.ini:1");
	refuse("name = a\n", "t.ini:1: unknown section []");
	/* The first refusal is the one reported. */
	refuse("[vm]\nbad1 = 1\nbad2 = 2\n", "t.ini:2: unknown key 'bad1'");
}

/* Each entry knows its line. */
static void lines(void **state)
{
	struct aq_ini ini = AQ_INI_INIT;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "# c\n\n[vm]\nname = %0150d\n\n"
		 "forward = a\n[other]\nx = 1\n", 7);
	assert_int_equal(aq_ini_parse(text, "t.ini", schema, &ini), 0);
	assert_int_equal(aq_ini_entry(&ini, "vm", "forward")->line, 6);
	assert_int_equal(aq_ini_entry(&ini, "other", "x")->line, 8);
	assert_null(aq_ini_entry(&ini, "vm", "none"));
	aq_ini_release(&ini);
}

/* "*" keys and sections: a plugin's sections in the config. */
static void wildcards(void **state)
{
	static const struct aq_ini_key open[] = {
		{ "aq", "mirror", 0 },
		{ "free", "*", 0 },
		{ "*", "*", 0 },
		{ NULL, NULL, 0 }
	};
	struct aq_ini ini = AQ_INI_INIT;

	(void)state;
	assert_int_equal(aq_ini_parse("[free]\nanything = 1\n[plug-in]\n"
				      "dir = /x\n", "t.ini", open, &ini), 0);
	assert_string_equal(aq_ini_get(&ini, "plug-in", "dir"), "/x");
	assert_int_equal(aq_ini_entry(&ini, "plug-in", "dir")->line, 4);
	aq_ini_release(&ini);
	/* A section the schema names keeps its own keys only. */
	assert_int_equal(aq_ini_parse("[aq]\nmirror = a\nspeed = 1\n", "t.ini",
				      open, &ini), -1);
	assert_non_null(strstr(aq_error_last(), "t.ini:3: unknown key "
			       "'speed' in section [aq]"));
	assert_int_equal(aq_ini_parse("[x]\na = 1\na = 2\n", "t.ini", open,
				      &ini), -1);
	assert_non_null(strstr(aq_error_last(), "is set twice"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads),
		cmocka_unit_test(refuses),
		cmocka_unit_test(lines),
		cmocka_unit_test(wildcards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
