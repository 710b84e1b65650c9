/*
 * Unit tests of the user-networking plugin: MACs over many draws, port
 * checks against sockets the test holds itself (and against QEMU's own
 * hostfwd), port picking, and the -netdev/-device arguments.  The
 * plugin's sources are linked in; a small host stands in for the core.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aq/plugin.h"
#include "net_args.h"

extern const struct aq_plugin aq_plugin;

/* ---- a host for the plugin ---- */

#define T_ARGS_MAX 16

struct aq_argv {
	char *v[T_ARGS_MAX];
	int n;
};

static char t_err[1024];
static int t_nerrors;

static void t_log(enum aq_log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
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
	(void)section;
	(void)key;
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

static int t_run(const char *const argv[], char *errbuf, size_t errlen)
{
	(void)argv;
	(void)errbuf;
	(void)errlen;
	return t_error("not used");
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

static int t_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return aq_plugin.init(&t_host);
}

static int t_teardown(void **state)
{
	(void)state;
	aq_plugin.fini();
	return 0;
}

static int t_each(void **state)
{
	(void)state;
	t_err[0] = '\0';
	t_nerrors = 0;
	return 0;
}

/* ---- MACs ---- */

#define T_DRAWS 20000

static void t_mac_shape(const char *mac)
{
	unsigned int first;
	int i;

	assert_int_equal(strlen(mac), 17);
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2)
			assert_int_equal(mac[i], ':');
		else
			assert_non_null(strchr("0123456789abcdef", mac[i]));
	}
	assert_int_equal(sscanf(mac, "%2x", &first), 1);
	assert_int_equal(first & 1u, 0);
	assert_int_equal(first & 2u, 2);
	assert_true(net_mac_valid(mac));
}

static void test_mac_draws(void **state)
{
	static char seen[T_DRAWS][AQ_MAC_LEN];
	unsigned int ones[6] = { 0 }, zeros[6] = { 0 };
	int i, j, dup = 0;

	(void)state;
	for (i = 0; i < T_DRAWS; i++) {
		unsigned int o[6];

		assert_int_equal(aq_plugin.net_mac_new(seen[i]), 0);
		t_mac_shape(seen[i]);
		assert_int_equal(sscanf(seen[i], "%2x:%2x:%2x:%2x:%2x:%2x",
					&o[0], &o[1], &o[2], &o[3], &o[4],
					&o[5]), 6);
		for (j = 0; j < 6; j++) {
			ones[j] |= o[j];
			zeros[j] |= ~o[j] & 0xffu;
		}
	}
	/* Every random bit took both values; the two fixed ones did not. */
	assert_int_equal(ones[0], 0xfe);
	assert_int_equal(zeros[0], 0xfd);
	for (j = 1; j < 6; j++) {
		assert_int_equal(ones[j], 0xff);
		assert_int_equal(zeros[j], 0xff);
	}
	/* 46 random bits: a repeat within the first 1000 means a bug. */
	for (i = 0; i < 1000; i++)
		for (j = 0; j < i; j++)
			dup += strcmp(seen[i], seen[j]) == 0;
	assert_int_equal(dup, 0);
	assert_int_equal(t_nerrors, 0);
}

static void test_mac_format(void **state)
{
	const unsigned char ff[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const unsigned char zero[6] = { 0 };
	const unsigned char qemu[6] = { 0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF };
	char out[AQ_MAC_LEN];

	(void)state;
	net_mac_format(ff, out);
	assert_string_equal(out, "fe:ff:ff:ff:ff:ff");
	net_mac_format(zero, out);
	assert_string_equal(out, "02:00:00:00:00:00");
	net_mac_format(qemu, out);
	assert_string_equal(out, "52:54:00:ab:cd:ef");
}

static void test_mac_valid(void **state)
{
	(void)state;
	assert_true(net_mac_valid("52:54:00:12:34:56"));
	assert_true(net_mac_valid("52:54:00:AB:cd:EF"));
	assert_false(net_mac_valid("53:54:00:12:34:56"));	/* multicast */
	assert_false(net_mac_valid("52:54:00:12:34"));
	assert_false(net_mac_valid("52:54:00:12:34:567"));
	assert_false(net_mac_valid("52-54-00-12-34-56"));
	assert_false(net_mac_valid("52:54:00:12:34:5g"));
	assert_false(net_mac_valid("52:54:00:12:34:5,"));
	assert_false(net_mac_valid(""));
}

/* ---- ports ---- */

/* A socket of the given type bound to addr with a port the system picks. */
static int t_hold(int type, const char *addr, int do_listen, int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_port_busy_tcp(void **state)
{
	char want[128];
	int port, fd = t_hold(SOCK_STREAM, "127.0.0.1", 1, &port);

	(void)state;
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 -1);
	snprintf(want, sizeof(want), "port %d/tcp on 127.0.0.1 is already "
		 "in use", port);
	assert_string_equal(t_err, want);
	/* The same number is free for UDP. */
	assert_int_equal(aq_plugin.net_port_check("udp", "127.0.0.1", port),
			 0);
	close(fd);
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 0);
	assert_int_equal(t_nerrors, 1);
}

/* A bound socket that does not listen still holds the port. */
static void test_port_busy_bound(void **state)
{
	int port, fd = t_hold(SOCK_STREAM, "127.0.0.1", 0, &port);

	(void)state;
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 -1);
	assert_non_null(strstr(t_err, "is already in use"));
	close(fd);
}

static void test_port_busy_udp(void **state)
{
	char want[128];
	int port, fd = t_hold(SOCK_DGRAM, "127.0.0.1", 0, &port);

	(void)state;
	assert_int_equal(aq_plugin.net_port_check("udp", "127.0.0.1", port),
			 -1);
	snprintf(want, sizeof(want), "port %d/udp on 127.0.0.1 is already "
		 "in use", port);
	assert_string_equal(t_err, want);
	close(fd);
	assert_int_equal(aq_plugin.net_port_check("udp", "127.0.0.1", port),
			 0);
}

/* A listener on every address takes the port on 127.0.0.1 too. */
static void test_port_busy_wildcard(void **state)
{
	int port, fd = t_hold(SOCK_STREAM, "0.0.0.0", 1, &port);

	(void)state;
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 -1);
	assert_int_equal(aq_plugin.net_port_check("tcp", "0.0.0.0", port),
			 -1);
	close(fd);
}

/*
 * A port whose last connection the server side closed sits in TIME_WAIT.
 * When the listener was an earlier QEMU (SO_REUSEADDR), the next QEMU
 * binds it anyway, so the check must call it free.
 */
static void test_port_time_wait(void **state)
{
	struct sockaddr_in sa;
	int port, lfd, cfd, afd, one = 1;
	char c;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				    sizeof(one)), 0);
	close(t_hold(SOCK_STREAM, "127.0.0.1", 0, &port));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	close(afd);
	assert_int_equal(read(cfd, &c, 1), 0);
	close(cfd);
	close(lfd);
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 0);
}

static void test_port_invalid(void **state)
{
	(void)state;
	assert_int_equal(aq_plugin.net_port_check("tcp", "localhost", 2222),
			 -1);
	assert_string_equal(t_err, "invalid address 'localhost': want a "
			    "numeric IPv4 address such as 127.0.0.1");
	assert_int_equal(aq_plugin.net_port_check("tcp", "300.0.0.1", 2222),
			 -1);
	assert_int_equal(aq_plugin.net_port_check("tcp", "", 2222), -1);
	assert_int_equal(aq_plugin.net_port_check("tcp", "::1", 2222), -1);
	assert_string_equal(t_err, "cannot forward from '::1': QEMU's user "
			    "networking forwards IPv4 addresses only");
	assert_int_equal(aq_plugin.net_port_check("sctp", "127.0.0.1", 2222),
			 -1);
	assert_string_equal(t_err, "invalid protocol 'sctp': want tcp or udp");
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", 0), -1);
	assert_int_equal(aq_plugin.net_port_check("udp", "127.0.0.1", 65536),
			 -1);
	assert_string_equal(t_err, "invalid port 65536: want 1 to 65535");
	/* TEST-NET-1 is never an address of this host. */
	assert_int_equal(aq_plugin.net_port_check("tcp", "192.0.2.1", 2222),
			 -1);
	assert_string_equal(t_err, "cannot bind port 2222/tcp on 192.0.2.1: "
			    "no such address on this host");
	assert_int_equal(t_nerrors, 8);
}

static void test_port_pick(void **state)
{
	int i, port, last = -1, differ = 0;

	(void)state;
	for (i = 0; i < 20; i++) {
		port = aq_plugin.net_port_pick("127.0.0.1");
		assert_true(port >= 1 && port <= 65535);
		assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1",
							  port), 0);
		differ += last >= 0 && port != last;
		last = port;
	}
	assert_true(differ > 0);
	assert_int_equal(aq_plugin.net_port_pick("::1"), -1);
	assert_int_equal(aq_plugin.net_port_pick("192.0.2.1"), -1);
	assert_int_equal(t_nerrors, 2);
}

/* ---- against QEMU's own hostfwd ---- */

static pid_t t_qemu(const char *netdev)
{
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "none", "-accel", "tcg",
		"-display", "none", "-monitor", "none", "-serial", "none",
		"-S", "-nodefaults", "-netdev", netdev, NULL
	};
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int t_connects(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/*
 * The check agrees with QEMU: a port it calls busy makes QEMU fail, one
 * it calls free (here: picked, then in TIME_WAIT) QEMU listens on.
 */
static void test_port_agrees_with_qemu(void **state)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	char netdev[128];
	int port, fd, status, i;
	pid_t pid;

	(void)state;
	fd = t_hold(SOCK_STREAM, "127.0.0.1", 1, &port);
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 -1);
	snprintf(netdev, sizeof(netdev), "user,id=n0,hostfwd=tcp:127.0.0.1:"
		 "%d-:22", port);
	pid = t_qemu(netdev);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		skip();		/* no qemu-system-x86_64 in PATH */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);

	port = aq_plugin.net_port_pick("127.0.0.1");
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 0);
	snprintf(netdev, sizeof(netdev), "user,id=n0,hostfwd=tcp:127.0.0.1:"
		 "%d-:22", port);
	pid = t_qemu(netdev);
	for (i = 0; i < 200 && !t_connects(port); i++) {
		assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
		nanosleep(&tick, NULL);
	}
	assert_true(i < 200);
	/* QEMU holds it now. */
	assert_int_equal(aq_plugin.net_port_check("tcp", "127.0.0.1", port),
			 -1);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* ---- arguments ---- */

static struct aq_vm t_vm(const struct aq_forward *fwd, size_t n)
{
	struct aq_vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.name = "web";
	vm.dir = "/v";
	vm.mac = "52:54:00:12:34:56";
	vm.ssh_port = 2222;
	vm.forwards = fwd;
	vm.nforwards = n;
	return vm;
}

static void test_args_plain(void **state)
{
	struct aq_vm vm = t_vm(NULL, 0);
	struct aq_argv argv = { { NULL }, 0 };

	(void)state;
	assert_int_equal(aq_plugin.net_qemu_args(&vm, &argv), 0);
	assert_int_equal(argv.n, 4);
	assert_string_equal(argv.v[0], "-netdev");
	assert_string_equal(argv.v[1], "user,id=net0,"
			    "hostfwd=tcp:127.0.0.1:2222-:22");
	assert_string_equal(argv.v[2], "-device");
	assert_string_equal(argv.v[3], "virtio-net-pci,netdev=net0,"
			    "mac=52:54:00:12:34:56");
	t_argv_free(&argv);
}

static void test_args_forwards(void **state)
{
	const struct aq_forward fwd[] = {
		{ "tcp", "127.0.0.1", 8080, 80 },
		{ "udp", "0.0.0.0", 5353, 53 },
		{ "tcp", "10.1.2.3", 2222, 22 },	/* other address */
		{ "udp", "127.0.0.1", 2222, 2222 },	/* other protocol */
	};
	struct aq_vm vm = t_vm(fwd, 4);
	struct aq_argv argv = { { NULL }, 0 };

	(void)state;
	assert_int_equal(net_args_build(&t_host, &vm, &argv), 0);
	assert_int_equal(argv.n, 4);
	assert_string_equal(argv.v[1], "user,id=net0,"
			    "hostfwd=tcp:127.0.0.1:2222-:22,"
			    "hostfwd=tcp:127.0.0.1:8080-:80,"
			    "hostfwd=udp:0.0.0.0:5353-:53,"
			    "hostfwd=tcp:10.1.2.3:2222-:22,"
			    "hostfwd=udp:127.0.0.1:2222-:2222");
	t_argv_free(&argv);
}

/* Each bad forward is refused with nothing appended. */
static void t_refused(const struct aq_forward *fwd, size_t n,
		      const char *want)
{
	struct aq_vm vm = t_vm(fwd, n);
	struct aq_argv argv = { { NULL }, 0 };

	t_err[0] = '\0';
	assert_int_equal(net_args_build(&t_host, &vm, &argv), -1);
	assert_int_equal(argv.n, 0);
	assert_string_equal(t_err, want);
}

static void test_args_refused(void **state)
{
	const struct aq_forward ssh_clash[] = {
		{ "tcp", "0.0.0.0", 2222, 22 }
	};
	const struct aq_forward twice[] = {
		{ "udp", "127.0.0.1", 53, 53 },
		{ "udp", "0.0.0.0", 53, 5353 },
	};
	const struct aq_forward v6[] = { { "tcp", "::1", 80, 80 } };
	const struct aq_forward name[] = { { "tcp", "localhost", 80, 80 } };
	const struct aq_forward empty[] = { { "tcp", "", 80, 80 } };
	const struct aq_forward proto[] = { { "sct", "127.0.0.1", 80, 80 } };
	const struct aq_forward port[] = { { "tcp", "127.0.0.1", 80, 0 } };
	const struct aq_forward comma[] = { { "tcp", "1.2.3.4,x", 80, 80 } };
	struct aq_vm vm = t_vm(NULL, 0);
	struct aq_argv argv = { { NULL }, 0 };

	(void)state;
	t_refused(ssh_clash, 1, "port 2222/tcp on 0.0.0.0 is taken by the "
		  "SSH forward of 'web'");
	t_refused(twice, 2, "port 53/udp on 0.0.0.0 is forwarded twice");
	t_refused(v6, 1, "cannot forward from '::1': QEMU's user networking "
		  "forwards IPv4 addresses only");
	t_refused(name, 1, "invalid address 'localhost': want a numeric IPv4 "
		  "address such as 127.0.0.1");
	t_refused(empty, 1, "invalid address '': want a numeric IPv4 address "
		  "such as 127.0.0.1");
	t_refused(proto, 1, "invalid forward protocol 'sct': want tcp or udp");
	t_refused(port, 1, "invalid forward 80-0/tcp: ports are 1 to 65535");
	t_refused(comma, 1, "invalid address '1.2.3.4,x': want a numeric IPv4 "
		  "address such as 127.0.0.1");

	vm.mac = "53:54:00:12:34:56";
	assert_int_equal(net_args_build(&t_host, &vm, &argv), -1);
	assert_string_equal(t_err, "invalid MAC address '53:54:00:12:34:56' "
			    "for 'web'");
	vm.mac = "52:54:00:12:34:56,romfile=/etc/passwd";
	assert_int_equal(net_args_build(&t_host, &vm, &argv), -1);
	vm.mac = "52:54:00:12:34:56";
	vm.ssh_port = 0;
	assert_int_equal(net_args_build(&t_host, &vm, &argv), -1);
	assert_string_equal(t_err, "invalid SSH port 0 for 'web'");
	vm.ssh_port = 2222;
	vm.nforwards = 3;
	assert_int_equal(net_args_build(&t_host, &vm, &argv), -1);
	assert_int_equal(argv.n, 0);
	assert_int_equal(t_nerrors, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mac_draws, t_each),
		cmocka_unit_test_setup(test_mac_format, t_each),
		cmocka_unit_test_setup(test_mac_valid, t_each),
		cmocka_unit_test_setup(test_port_busy_tcp, t_each),
		cmocka_unit_test_setup(test_port_busy_bound, t_each),
		cmocka_unit_test_setup(test_port_busy_udp, t_each),
		cmocka_unit_test_setup(test_port_busy_wildcard, t_each),
		cmocka_unit_test_setup(test_port_time_wait, t_each),
		cmocka_unit_test_setup(test_port_invalid, t_each),
		cmocka_unit_test_setup(test_port_pick, t_each),
		cmocka_unit_test_setup(test_port_agrees_with_qemu, t_each),
		cmocka_unit_test_setup(test_args_plain, t_each),
		cmocka_unit_test_setup(test_args_forwards, t_each),
		cmocka_unit_test_setup(test_args_refused, t_each),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
