/*
 * Port forward specifications: what `aq new -p` accepts and refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "portspec.h"

static void check(const char *spec, const char *addr, int host, int guest,
		  const char *proto)
{
	struct aq_forward f;

	assert_int_equal(aq_portspec_parse(spec, &f), 0);
	assert_string_equal(f.host_addr, addr);
	assert_int_equal(f.host_port, host);
	assert_int_equal(f.guest_port, guest);
	assert_string_equal(f.proto, proto);
}

static void refuse(const char *spec, const char *why)
{
	struct aq_forward f;

	aq_error_clear();
	assert_int_equal(aq_portspec_parse(spec, &f), -1);
	if (!strstr(aq_error_last(), why))
		fail_msg("'%s': message '%s' lacks '%s'", spec,
			 aq_error_last(), why);
}

static void accepts_forms(void **state)
{
	(void)state;
	check("8000", "127.0.0.1", 8000, 8000, "tcp");
	check("2222:22", "127.0.0.1", 2222, 22, "tcp");
	check("53:53/udp", "127.0.0.1", 53, 53, "udp");
	check("0.0.0.0:8080:80", "0.0.0.0", 8080, 80, "tcp");
	check("192.168.1.2:1:65535/tcp", "192.168.1.2", 1, 65535, "tcp");
	check("9999/udp", "127.0.0.1", 9999, 9999, "udp");
}

static void refuses_bad(void **state)
{
	(void)state;
	refuse("", "invalid port");
	refuse("0", "invalid port");
	refuse("65536", "invalid port");
	refuse("-1", "invalid port");
	refuse("22:", "invalid port");
	refuse(":22", "invalid port");
	refuse("abc", "invalid port");
	refuse("80/sctp", "invalid protocol");
	refuse("80/", "invalid protocol");
	refuse("1:2:3:4", "invalid port forward");
	refuse("localhost:80:80", "invalid address");
	refuse("256.1.1.1:80:80", "invalid address");
	refuse("01.2.3.4:80:80", "invalid address");
	refuse("1.2.3:80:80", "invalid address");
	refuse(" 80", "invalid port");
	refuse("80 ", "invalid port");
	refuse("+80", "invalid port");
}

static void round_trips(void **state)
{
	static const char *const specs[] = {
		"8000", "2222:22", "53:53/udp", "0.0.0.0:8080:80"
	};
	char out[128], again[128];
	struct aq_forward f, g;

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(aq_portspec_parse(specs[i], &f), 0);
		assert_int_equal(aq_portspec_format(&f, out, sizeof(out)), 0);
		assert_int_equal(aq_portspec_parse(out, &g), 0);
		assert_int_equal(aq_portspec_format(&g, again, sizeof(again)),
				 0);
		assert_string_equal(out, again);
	}
	assert_int_equal(aq_portspec_parse("0.0.0.0:53:53/udp", &f), 0);
	aq_portspec_short(&f, out, sizeof(out));
	assert_string_equal(out, "0.0.0.0:53:53/udp");
	assert_int_equal(aq_portspec_parse("2222:22", &f), 0);
	aq_portspec_short(&f, out, sizeof(out));
	assert_string_equal(out, "2222:22");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_forms),
		cmocka_unit_test(refuses_bad),
		cmocka_unit_test(round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
