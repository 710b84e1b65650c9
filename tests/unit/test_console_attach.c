/*
 * Tests of the built serial console plugin (console-serial.so), loaded
 * with dlopen and driven through its hooks by a small aq_host of our own.
 *
 * The "VM" is a unix socket this test listens on where QEMU would.  The
 * attach runs in a child process whose stdin/stdout/stderr are a pseudo
 * terminal (or pipes); the parent types into it, plays the guest on the
 * socket, and checks that bytes pass both ways, that each escape and
 * each ending detaches, and that the terminal settings come back.
 */
/* posix_openpt and friends are XSI. */
#define _XOPEN_SOURCE 700

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <aq/plugin.h>

#include "console_attach.h"

#ifndef CONSOLE_PLUGIN
#error "CONSOLE_PLUGIN must name the built console-serial plugin"
#endif

#define TIMEOUT_MS 5000

/* --- a host for the plugin --- */

struct aq_argv {
	char *v[16];
	int n;
};

static char test_error[1024];
static char test_dir[64];

static void host_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int host_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_error, sizeof(test_error), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *host_config(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return NULL;
}

static const char *host_home(void)
{
	return test_dir;
}

static int host_argv_add(struct aq_argv *argv, const char *arg)
{
	if (argv->n >= 16)
		return host_error("too many arguments");
	argv->v[argv->n] = strdup(arg);
	if (!argv->v[argv->n])
		return host_error("out of memory");
	argv->n++;
	return 0;
}

static int host_run(const char *const argv[], char *errbuf, size_t errlen)
{
	(void)errbuf;
	(void)errlen;
	return host_error("unexpected run of '%s'", argv[0]);
}

static int host_interactive(void)
{
	return 0;
}

static const struct aq_host test_host = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.log = host_log,
	.error = host_error,
	.config = host_config,
	.home = host_home,
	.argv_add = host_argv_add,
	.run = host_run,
	.interactive = host_interactive,
};

static void *test_handle;
static const struct aq_plugin *plugin;
static struct aq_vm test_vm;

/* --- helpers --- */

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		assert_true(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

static void write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

/*
 * Read fd into buf (appending, NUL-terminated) until needle shows up.
 * Returns 1 when it did, 0 on EOF or timeout.
 */
static int read_until(int fd, char *buf, size_t len, const char *needle)
{
	size_t n = strlen(buf);
	long long end = now_ms() + TIMEOUT_MS;

	while (!strstr(buf, needle)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		if (n + 1 >= len)
			return 0;
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		n += (size_t)r;
		buf[n] = '\0';
	}
	return 1;
}

/* 1 when fd reaches EOF (or a pty's EIO) within the timeout. */
static int read_eof(int fd)
{
	long long end = now_ms() + TIMEOUT_MS;
	char buf[512];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno == EIO))
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

/* Wait for pid; kill it on timeout.  Returns the raw wait status. */
static int wait_child(pid_t pid)
{
	long long end = now_ms() + TIMEOUT_MS + CONSOLE_DRAIN_MS;
	int st = 0;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail_msg("attach did not end");
		}
		sleep_ms(10);
	}
	return st;
}

static int console_listen(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", test_dir,
		 AQ_VM_CONSOLE);
	unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static int console_accept(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	assert_int_equal(poll(&p, 1, TIMEOUT_MS), 1);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	return fd;
}

/* In the child: attach, report a failure on stderr, exit 0 or 1. */
static void attach_child(void)
{
	int r = plugin->console_attach(&test_vm);

	if (r < 0)
		fprintf(stderr, "ERROR: %s\n", test_error);
	_exit(r < 0 ? 1 : 0);
}

/* A running attach and the ends we hold of it. */
struct session {
	pid_t pid;
	int term;		/* pty master, or -1 */
	int tty;		/* our own fd on the pty slave, for tcgetattr */
	int in;			/* write end of the child's stdin (pipes) */
	int out;		/* read end of its stdout (pty: == term) */
	int err;		/* read end of its stderr (pty: == term) */
	int listen;
	int vm;			/* the accepted console connection */
	struct termios before;
	char seen[65536];	/* what the user's side received */
};

static void start_pty(struct session *s)
{
	const char *slave;

	memset(s, 0, sizeof(*s));
	s->in = -1;
	s->listen = console_listen();
	s->term = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(s->term >= 0);
	assert_int_equal(grantpt(s->term), 0);
	assert_int_equal(unlockpt(s->term), 0);
	slave = ptsname(s->term);
	assert_non_null(slave);
	s->tty = open(slave, O_RDWR | O_NOCTTY);
	assert_true(s->tty >= 0);
	assert_int_equal(tcgetattr(s->tty, &s->before), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int fd;

		setsid();
		fd = open(slave, O_RDWR);
		if (fd < 0)
			_exit(2);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		attach_child();
	}
	s->out = s->term;
	s->err = s->term;
	s->vm = console_accept(s->listen);
	assert_true(read_until(s->term, s->seen, sizeof(s->seen),
			       "Press Enter for a prompt."));
}

static void start_pipes(struct session *s)
{
	int in[2], out[2], err[2];

	memset(s, 0, sizeof(*s));
	s->term = -1;
	s->tty = -1;
	s->listen = console_listen();
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		attach_child();
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	s->in = in[1];
	s->out = out[0];
	s->err = err[0];
	s->vm = console_accept(s->listen);
}

/* The terminal settings that raw mode changes, compared field by field. */
static int same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* Wait until the child has put the terminal in raw mode. */
static void wait_raw(struct session *s)
{
	long long end = now_ms() + TIMEOUT_MS;
	struct termios t;

	do {
		assert_int_equal(tcgetattr(s->tty, &t), 0);
		if (!(t.c_lflag & (ICANON | ECHO | ISIG)))
			return;
		sleep_ms(10);
	} while (now_ms() < end);
	fail_msg("the terminal never went raw");
}

static void check_restored(struct session *s)
{
	struct termios after;

	assert_int_equal(tcgetattr(s->tty, &after), 0);
	assert_true(same_termios(&s->before, &after));
}

static void finish(struct session *s)
{
	int fds[] = { s->term, s->tty, s->in, s->listen, s->vm };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (s->term < 0) {
		close(s->out);
		close(s->err);
	}
}

/* Read the VM's side until needle; the connection must say it. */
static void vm_expect(struct session *s, const char *needle)
{
	static char buf[65536];

	buf[0] = '\0';
	assert_true(read_until(s->vm, buf, sizeof(buf), needle));
}

/* --- tests --- */

static void test_plugin_identity(void **state)
{
	(void)state;
	assert_int_equal(plugin->abi_version, AQ_PLUGIN_ABI_VERSION);
	assert_string_equal(plugin->name, "serial");
	assert_int_equal(plugin->concern, AQ_CONCERN_CONSOLE);
	assert_non_null(plugin->console_qemu_args);
	assert_non_null(plugin->console_attach);
	assert_null(plugin->exec_run);
}

static void test_qemu_args(void **state)
{
	struct aq_argv argv = { .n = 0 };
	struct aq_vm vm = test_vm;
	int i;

	(void)state;
	vm.dir = "/srv/a,b";
	assert_int_equal(plugin->console_qemu_args(&vm, &argv), 0);
	assert_int_equal(argv.n, 4);
	assert_string_equal(argv.v[0], "-chardev");
	assert_string_equal(argv.v[1], "socket,id=serial0,"
			    "path=/srv/a,,b/console.sock,server=on,wait=off,"
			    "logfile=/srv/a,,b/console.log,logappend=on");
	assert_string_equal(argv.v[2], "-serial");
	assert_string_equal(argv.v[3], "chardev:serial0");
	for (i = 0; i < argv.n; i++)
		free(argv.v[i]);
}

static void test_qemu_args_socket_path_too_long(void **state)
{
	char dir[200];
	struct aq_argv argv = { .n = 0 };
	struct aq_vm vm = test_vm;

	(void)state;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	vm.dir = dir;
	assert_int_equal(plugin->console_qemu_args(&vm, &argv), -1);
	assert_int_equal(argv.n, 0);
	assert_non_null(strstr(test_error, "socket path"));
}

static void test_not_running(void **state)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sa;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", test_dir, AQ_VM_CONSOLE);
	unlink(path);
	assert_int_equal(plugin->console_attach(&test_vm), -1);
	assert_non_null(strstr(test_error, "not running"));

	/* A socket nobody listens on: what a killed QEMU leaves. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, sizeof(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	test_error[0] = '\0';
	assert_int_equal(plugin->console_attach(&test_vm), -1);
	assert_non_null(strstr(test_error, "not running"));
	unlink(path);
}

static void test_pty_relay_and_ctrl_bracket(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pty(&s);
	assert_non_null(strstr(s.seen, "Connected to t's serial console."));
	wait_raw(&s);
	write_str(s.vm, "login: ");
	assert_true(read_until(s.term, s.seen, sizeof(s.seen), "login: "));
	/* Raw: CR reaches the guest as CR, ^C as a byte, nothing echoed. */
	write_str(s.term, "root\r\x03");
	vm_expect(&s, "root\r\x03");
	write_str(s.term, "\x1d");
	st = wait_child(s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(read_until(s.term, s.seen, sizeof(s.seen),
			       "Detached from t."));
	assert_null(strstr(s.seen, "root"));
	assert_true(read_eof(s.vm));
	check_restored(&s);
	finish(&s);
}

static void test_pty_tilde_escapes(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pty(&s);
	wait_raw(&s);
	write_str(s.term, "a~.\r");
	vm_expect(&s, "a~.\r");
	write_str(s.term, "~~x\r~y\r");
	vm_expect(&s, "~x\r~y\r");
	write_str(s.term, "~.");
	st = wait_child(s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(read_until(s.term, s.seen, sizeof(s.seen),
			       "Detached from t."));
	check_restored(&s);
	finish(&s);
}

static void test_pty_vm_goes_away(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pty(&s);
	wait_raw(&s);
	write_str(s.vm, "reboot: Power down\r\n");
	close(s.vm);
	s.vm = -1;
	st = wait_child(s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(read_until(s.term, s.seen, sizeof(s.seen),
			       "Console closed: t stopped."));
	assert_non_null(strstr(s.seen, "Power down"));
	check_restored(&s);
	finish(&s);
}

static void test_pty_sigterm_restores_and_dies(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pty(&s);
	wait_raw(&s);
	kill(s.pid, SIGTERM);
	st = wait_child(s.pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	check_restored(&s);
	finish(&s);
}

static void test_pty_sighup_restores_and_dies(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pty(&s);
	wait_raw(&s);
	kill(s.pid, SIGHUP);
	st = wait_child(s.pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGHUP);
	check_restored(&s);
	finish(&s);
}

static void test_pipe_relay_and_escape(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pipes(&s);
	write_str(s.in, "root\n");
	vm_expect(&s, "root\n");
	write_str(s.vm, "welcome\r\n");
	assert_true(read_until(s.out, s.seen, sizeof(s.seen), "welcome"));
	write_str(s.in, "x\x1dnever sent");
	vm_expect(&s, "x");
	assert_true(read_eof(s.vm));
	st = wait_child(s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	s.seen[0] = '\0';
	assert_true(read_until(s.err, s.seen, sizeof(s.seen),
			       "Detached from t."));
	finish(&s);
}

/*
 * stdin ends: the answer to the last line still comes through, then the
 * console goes quiet and the attach ends by itself.
 */
static void test_pipe_eof_drains_then_detaches(void **state)
{
	struct session s;
	long long t0;
	long long took;
	int st;

	(void)state;
	start_pipes(&s);
	write_str(s.in, "uname\n");
	close(s.in);
	s.in = -1;
	t0 = now_ms();
	vm_expect(&s, "uname\n");
	sleep_ms(CONSOLE_QUIET_MS / 3);
	write_str(s.vm, "Linux\r\n");
	assert_true(read_until(s.out, s.seen, sizeof(s.seen), "Linux"));
	st = wait_child(s.pid);
	took = now_ms() - t0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(took >= CONSOLE_QUIET_MS);
	assert_true(took < CONSOLE_QUIET_MS * 3);
	finish(&s);
}

/* A lot of data both ways at once, more than any socket buffer. */
static void test_pipe_bulk_both_ways(void **state)
{
	enum { N = 1 << 20 };
	static unsigned char up[N], down[N], got_up[N], got_down[N];
	size_t sent_up = 0, sent_down = 0, n_up = 0, n_down = 0;
	struct session s;
	long long end;
	size_t i;
	int st;

	(void)state;
	for (i = 0; i < N; i++) {
		up[i] = (unsigned char)('a' + i % 26);
		down[i] = (unsigned char)(i * 7);
	}
	start_pipes(&s);
	fcntl(s.in, F_SETFL, O_NONBLOCK);
	fcntl(s.vm, F_SETFL, O_NONBLOCK);
	end = now_ms() + 4 * TIMEOUT_MS;
	while ((n_up < N || n_down < N) && now_ms() < end) {
		struct pollfd p[3] = {
			{ .fd = s.in, .events = sent_up < N ? POLLOUT : 0 },
			{ .fd = s.vm, .events = POLLIN |
				(sent_down < N ? POLLOUT : 0) },
			{ .fd = s.out, .events = POLLIN },
		};
		ssize_t r;

		poll(p, 3, 100);
		if (p[0].revents & POLLOUT) {
			r = write(s.in, up + sent_up, N - sent_up);
			sent_up += r > 0 ? (size_t)r : 0;
		}
		if (p[1].revents & POLLOUT) {
			r = write(s.vm, down + sent_down, N - sent_down);
			sent_down += r > 0 ? (size_t)r : 0;
		}
		if (p[1].revents & POLLIN) {
			r = read(s.vm, got_up + n_up, N - n_up);
			n_up += r > 0 ? (size_t)r : 0;
		}
		if (p[2].revents & POLLIN) {
			r = read(s.out, got_down + n_down, N - n_down);
			n_down += r > 0 ? (size_t)r : 0;
		}
	}
	assert_int_equal(n_up, N);
	assert_int_equal(n_down, N);
	assert_memory_equal(got_up, up, N);
	assert_memory_equal(got_down, down, N);
	write_str(s.in, "\x1d");
	st = wait_child(s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	finish(&s);
}

static void test_pipe_sigint_when_not_raw(void **state)
{
	struct session s;
	int st;

	(void)state;
	start_pipes(&s);
	kill(s.pid, SIGINT);
	st = wait_child(s.pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	finish(&s);
}

static void test_second_attach_is_busy(void **state)
{
	struct session a;
	char buf[1024] = "";
	int err[2];
	pid_t pid;
	int st;

	(void)state;
	start_pipes(&a);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(err[1], 2);
		attach_child();
	}
	close(err[1]);
	st = wait_child(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_true(read_until(err[0], buf, sizeof(buf), "busy"));
	close(err[0]);
	/* The first one is still attached and working. */
	write_str(a.in, "still here\n");
	vm_expect(&a, "still here\n");
	write_str(a.in, "\x1d");
	st = wait_child(a.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	finish(&a);
}

static int setup(void **state)
{
	union {
		void *p;
		const struct aq_plugin *plugin;
	} sym;

	(void)state;
	snprintf(test_dir, sizeof(test_dir), "/tmp/aq-console-XXXXXX");
	if (!mkdtemp(test_dir))
		return -1;
	test_handle = dlopen(CONSOLE_PLUGIN, RTLD_NOW | RTLD_LOCAL);
	if (!test_handle) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	sym.p = dlsym(test_handle, AQ_PLUGIN_SYMBOL);
	plugin = sym.plugin;
	if (!plugin || plugin->init(&test_host) < 0)
		return -1;
	test_vm.name = "t";
	test_vm.dir = test_dir;
	test_vm.arch = "x86_64";
	test_vm.accel = "tcg";
	test_vm.ssh_port = 2222;
	return 0;
}

static int teardown(void **state)
{
	char path[128];
	const char *files[] = { AQ_VM_CONSOLE, CONSOLE_LOCK };
	size_t i;

	(void)state;
	if (plugin)
		plugin->fini();
	if (test_handle)
		dlclose(test_handle);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", test_dir, files[i]);
		unlink(path);
	}
	rmdir(test_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugin_identity),
		cmocka_unit_test(test_qemu_args),
		cmocka_unit_test(test_qemu_args_socket_path_too_long),
		cmocka_unit_test(test_not_running),
		cmocka_unit_test(test_pty_relay_and_ctrl_bracket),
		cmocka_unit_test(test_pty_tilde_escapes),
		cmocka_unit_test(test_pty_vm_goes_away),
		cmocka_unit_test(test_pty_sigterm_restores_and_dies),
		cmocka_unit_test(test_pty_sighup_restores_and_dies),
		cmocka_unit_test(test_pipe_relay_and_escape),
		cmocka_unit_test(test_pipe_eof_drains_then_detaches),
		cmocka_unit_test(test_pipe_bulk_both_ways),
		cmocka_unit_test(test_pipe_sigint_when_not_raw),
		cmocka_unit_test(test_second_attach_is_busy),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
