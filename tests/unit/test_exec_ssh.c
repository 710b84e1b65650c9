/*
 * Tests of the built ssh exec plugin (exec-ssh.so) against a real
 * OpenSSH server: the test starts /usr/sbin/sshd on a free loopback port
 * with its own host key and config, authorises the key the plugin
 * creates, and drives every hook through a small aq_host of our own.
 *
 * sshd must run as root to let us log in as root (what the plugin
 * does), so the tests are skipped for other users or without sshd.
 * Everything lives in two temporary directories removed at the end; the
 * data directory has a space and a '%' in its name on purpose.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <aq/plugin.h>

#ifndef EXEC_PLUGIN
#error "EXEC_PLUGIN must name the built exec-ssh plugin"
#endif

#define SSHD "/usr/sbin/sshd"
#define TIMEOUT_MS 15000

/* --- a host for the plugin --- */

static char test_error[1024];
static char test_home[128];
static char *home_now = test_home;

static void host_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == AQ_LOG_DEBUG && !getenv("AQ_DEBUG"))
		return;
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
	return home_now;
}

static int host_argv_add(struct aq_argv *argv, const char *arg)
{
	(void)argv;
	return host_error("unexpected argument '%s'", arg);
}

/* What the core's run does: stdin and stdout on /dev/null, stderr kept. */
static int host_run(const char *const argv[], char *errbuf, size_t errlen)
{
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	int p[2];
	pid_t pid;
	int st;

	if (pipe(p) < 0)
		return host_error("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(p[1], 2);
		close(p[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(p[0]);
	buf[n] = '\0';
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st))
		return host_error("'%s' died", argv[0]);
	if (WEXITSTATUS(st) && errbuf && errlen) {
		while (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		snprintf(errbuf, errlen, "%s",
			 strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf);
	}
	return WEXITSTATUS(st);
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
static char vm_dir[256];
static char sshd_dir[64];
static pid_t sshd_pid;
static int sshd_ok;
static char pubkey[1024];

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

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int run_quiet(const char *const argv[])
{
	char why[256];

	return host_run(argv, why, sizeof(why));
}

static void vm_file(const char *file, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", vm_dir, file);

	assert_true(n > 0 && (size_t)n < len);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* 1 when a master answers on the VM's control socket. */
static int master_alive(void)
{
	char control[512] = "ControlPath=\"";
	const char *argv[] = { "ssh", "-F", "none", "-o", control, "-O",
			       "check", "root@127.0.0.1", NULL };
	size_t n = strlen(control);
	const char *p;

	/* test_home holds a '%': ssh wants it doubled. */
	for (p = vm_dir; *p && n + 20 < sizeof(control); p++) {
		control[n++] = *p;
		if (*p == '%')
			control[n++] = '%';
	}
	snprintf(control + n, sizeof(control) - n, "/%s\"", AQ_VM_SSH_CONTROL);
	return run_quiet(argv) == 0;
}

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int port_answers(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* The result of one exec_run in a child process. */
struct ran {
	int exited;		/* the child exited (not killed) */
	int code;		/* its exit code: the status, or 200 + error */
	int signo;		/* the signal that killed it */
	char out[8192];
	char err[8192];
	long long ms;		/* until stdout and stderr both closed */
	long long exit_ms;	/* until the child ended */
};

/*
 * Run exec_run in a child whose stdout and stderr are pipes (stdin from
 * the given text, or kept open and empty when text is NULL), read both
 * to EOF, and wait.  EOF has to come: that is what `out=$(aq exec ...)`
 * needs.  between(pid) is called once the child runs, if not NULL.
 */
static void run_in_child(int argc, const char *const argv[],
			 unsigned int flags, const char *text,
			 void (*between)(pid_t), struct ran *r)
{
	int in[2], out[2], err[2];
	size_t n_out = 0, n_err = 0;
	long long t0 = now_ms();
	pid_t pid;
	int st = 0;
	int done = 0;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int status = 0;

		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		if (plugin->exec_run(&test_vm, argc, argv, flags,
				     &status) < 0) {
			fprintf(stderr, "ERROR: %s\n", test_error);
			_exit(200);
		}
		_exit(status > 199 ? 199 : status);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (text) {
		assert_int_equal(write(in[1], text, strlen(text)),
				 (ssize_t)strlen(text));
		close(in[1]);
		in[1] = -1;
	}
	if (between)
		between(pid);
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
				       { .fd = err[0], .events = POLLIN } };
		long long left = t0 + TIMEOUT_MS - now_ms();
		int i;

		if (left <= 0) {
			kill(pid, SIGKILL);
			fail_msg("output of exec_run never ended");
		}
		poll(p, 2, 20);
		if (!done && waitpid(pid, &st, WNOHANG) == pid) {
			done = 1;
			r->exit_ms = now_ms() - t0;
		}
		for (i = 0; i < 2; i++) {
			char *buf = i ? r->err : r->out;
			size_t *n = i ? &n_err : &n_out;
			int *fd = i ? &err[0] : &out[0];
			ssize_t got;

			if (*fd < 0 || !p[i].revents)
				continue;
			got = read(*fd, buf + *n, sizeof(r->out) - 1 - *n);
			if (got <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			*n += (size_t)got;
			buf[*n] = '\0';
		}
	}
	r->ms = now_ms() - t0;
	if (in[1] >= 0)
		close(in[1]);
	if (!done) {
		assert_int_equal(waitpid(pid, &st, 0), pid);
		r->exit_ms = now_ms() - t0;
	}
	r->exited = WIFEXITED(st);
	r->code = r->exited ? WEXITSTATUS(st) : -1;
	r->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

#define NEED_SSHD() do { if (!sshd_ok) skip(); } while (0)

/* --- tests --- */

static void test_plugin_identity(void **state)
{
	(void)state;
	assert_int_equal(plugin->abi_version, AQ_PLUGIN_ABI_VERSION);
	assert_string_equal(plugin->name, "ssh");
	assert_int_equal(plugin->concern, AQ_CONCERN_EXEC);
	assert_non_null(plugin->exec_key);
	assert_non_null(plugin->exec_ready);
	assert_non_null(plugin->exec_run);
	assert_non_null(plugin->exec_ssh_config);
	assert_non_null(plugin->exec_disconnect);
	assert_null(plugin->console_attach);
}

static void test_key_created_once(void **state)
{
	char path[512];
	char again[1024];
	struct stat st;

	(void)state;
	assert_int_equal(strncmp(pubkey, "ssh-ed25519 ", 12), 0);
	assert_null(strchr(pubkey, '\n'));
	assert_string_equal(pubkey + strlen(pubkey) - 3, " aq");
	snprintf(path, sizeof(path), "%s/keys", test_home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/keys/id_ed25519", test_home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(plugin->exec_key(again, sizeof(again)), 0);
	assert_string_equal(again, pubkey);
	assert_int_equal(plugin->exec_key(again, 20), -1);
	assert_non_null(strstr(test_error, "longer than"));
}

/* Several processes ask at once in a new data directory: one key. */
static void test_key_race(void **state)
{
	enum { N = 4 };
	static char race_home[256];
	char keys[N][1024];
	char path[512];
	pid_t pids[N];
	int pipes[N][2];
	int i, st;

	(void)state;
	snprintf(race_home, sizeof(race_home), "%s/race/deeper", test_home);
	home_now = race_home;
	for (i = 0; i < N; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char key[1024];

			if (plugin->exec_key(key, sizeof(key)) < 0) {
				fprintf(stderr, "ERROR: %s\n", test_error);
				_exit(1);
			}
			if (write(pipes[i][1], key, strlen(key) + 1) < 0)
				_exit(2);
			_exit(0);
		}
		close(pipes[i][1]);
	}
	for (i = 0; i < N; i++) {
		ssize_t n = read(pipes[i][0], keys[i], sizeof(keys[i]));

		assert_true(n > 0);
		close(pipes[i][0]);
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_string_equal(keys[i], keys[0]);
	}
	assert_string_not_equal(keys[0], pubkey);

	/* A lost .pub is derived again from the private key. */
	snprintf(path, sizeof(path), "%s/keys/id_ed25519.pub", race_home);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(plugin->exec_key(keys[1], sizeof(keys[1])), 0);
	assert_string_equal(keys[1], keys[0]);
	home_now = test_home;
}

static void test_not_ready_while_nothing_listens(void **state)
{
	struct aq_vm vm = test_vm;
	char control[512];

	(void)state;
	NEED_SSHD();
	vm.ssh_port = free_port();
	test_error[0] = '\0';
	assert_int_equal(plugin->exec_ready(&vm), AQ_ENOTREADY);
	assert_string_equal(test_error, "");
	vm_file(AQ_VM_SSH_CONTROL, control, sizeof(control));
	assert_false(exists(control));
}

static void test_ready_starts_one_master(void **state)
{
	char control[512];
	long long t0;

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
	vm_file(AQ_VM_SSH_CONTROL, control, sizeof(control));
	assert_true(exists(control));
	assert_true(master_alive());
	t0 = now_ms();
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
	print_message("second exec_ready with a live master: %lld ms\n",
		      now_ms() - t0);
}

static void test_run_status_and_words(void **state)
{
	const char *const argv[] = {
		"sh", "-c", "printf '[%s]' \"$@\"; exit 3", "x", "a b", "it's",
		"$HOME", "", "*"
	};
	struct ran r;

	(void)state;
	NEED_SSHD();
	run_in_child(9, argv, AQ_EXEC_NO_STDIN, NULL, NULL, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 3);
	assert_string_equal(r.out, "[a b][it's][$HOME][][*]");
	assert_string_equal(r.err, "");
	print_message("exec_run through the master: %lld ms\n", r.ms);
}

static void test_run_stdin_and_no_stdin(void **state)
{
	const char *const cat[] = { "cat" };
	struct ran r;

	(void)state;
	NEED_SSHD();
	run_in_child(1, cat, 0, "hello\nworld\n", NULL, &r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "hello\nworld\n");
	/* Our stdin stays open here: without NO_STDIN cat would wait. */
	run_in_child(1, cat, AQ_EXEC_NO_STDIN, "ignored\n", NULL, &r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "");
}

static void test_run_stderr_apart(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo out; echo err >&2" };
	struct ran r;

	(void)state;
	NEED_SSHD();
	run_in_child(3, argv, AQ_EXEC_NO_STDIN, NULL, NULL, &r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "err\n");
}

static void test_run_tty_flag(void **state)
{
	const char *const argv[] = { "sh", "-c", "test -t 0 && echo tty" };
	struct ran r;

	(void)state;
	NEED_SSHD();
	run_in_child(3, argv, AQ_EXEC_TTY, NULL, NULL, &r);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "tty"));
	run_in_child(3, argv, 0, NULL, NULL, &r);
	assert_int_equal(r.code, 1);
	assert_string_equal(r.out, "");
}

/*
 * No master yet: exec_run starts one, and the caller's pipes still close
 * as soon as the command ends (the master does not inherit them).
 */
static void test_run_starts_master_without_holding_pipes(void **state)
{
	const char *const argv[] = { "echo", "first" };
	struct ran r;

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
	assert_false(master_alive());
	run_in_child(2, argv, AQ_EXEC_NO_STDIN, NULL, NULL, &r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "first\n");
	assert_true(r.ms < 5000);
	assert_true(master_alive());
	print_message("exec_run starting the master: %lld ms\n", r.ms);
}

static void send_sigint(pid_t pid)
{
	sleep_ms(300);
	kill(pid, SIGINT);
}

static void send_sigterm(pid_t pid)
{
	sleep_ms(300);
	kill(pid, SIGTERM);
}

static void test_run_signals(void **state)
{
	const char *const argv[] = { "sh", "-c", "sleep 1; echo done" };
	struct ran r;

	(void)state;
	NEED_SSHD();
	/* SIGINT to aq alone: ignored, the command runs to its end. */
	run_in_child(3, argv, AQ_EXEC_NO_STDIN, NULL, send_sigint, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "done\n");
	/* SIGTERM: passed to ssh, then aq dies of it too. */
	run_in_child(3, argv, AQ_EXEC_NO_STDIN, NULL, send_sigterm, &r);
	assert_false(r.exited);
	assert_int_equal(r.signo, SIGTERM);
	assert_string_equal(r.out, "");
	/*
	 * aq and its ssh end at once; the pipes stay open until the guest
	 * command ends, because the master holds the session's copies.
	 */
	print_message("SIGTERM: aq gone after %lld ms, pipes after %lld ms\n",
		      r.exit_ms, r.ms);
	assert_true(r.exit_ms < 1000);
}

static void test_ssh_config_block(void **state)
{
	char path[512];
	char buf[4096];
	const char *argv[] = { "ssh", "-F", path, "-o", "ControlMaster=no",
			       "aq-t", "--", "true", NULL };
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/config", sshd_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(plugin->exec_ssh_config(&test_vm, f), 0);
	assert_int_equal(fclose(f), 0);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "Host aq-t\n", 10), 0);
	assert_non_null(strstr(buf, "\tHostName 127.0.0.1\n"));
	assert_non_null(strstr(buf, "\tUser root\n"));
	assert_non_null(strstr(buf, "\tIdentitiesOnly yes\n"));
	assert_non_null(strstr(buf, "\tStrictHostKeyChecking accept-new\n"));
	assert_non_null(strstr(buf, "\tControlMaster auto\n"));
	assert_non_null(strstr(buf, "aq exec %%h."));
	if (!sshd_ok)
		return;
	/*
	 * Plain ssh reads the block and gets in.  ControlMaster=no: a
	 * master of its own would keep run_quiet's stderr pipe open.
	 */
	assert_int_equal(run_quiet(argv), 0);
}

static void test_disconnect(void **state)
{
	char control[512];

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
	vm_file(AQ_VM_SSH_CONTROL, control, sizeof(control));
	assert_false(master_alive());
	assert_false(exists(control));
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
}

/* A dead master's socket must not make ssh give up multiplexing. */
static void test_stale_control_socket(void **state)
{
	struct sockaddr_un sa;
	int fd;

	(void)state;
	NEED_SSHD();
	assert_false(master_alive());
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	vm_file(AQ_VM_SSH_CONTROL, sa.sun_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
	assert_true(master_alive());
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
}

static void test_changed_host_key_is_an_error(void **state)
{
	char key[512];
	char path[600];
	char line[600];
	const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N",
				 "", "-f", key, NULL };
	FILE *f;

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
	snprintf(key, sizeof(key), "%s/other_host_key", sshd_dir);
	assert_int_equal(run_quiet(keygen), 0);
	snprintf(path, sizeof(path), "%s.pub", key);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(key, sizeof(key), f));
	fclose(f);
	vm_file(AQ_VM_KNOWN_HOSTS, path, sizeof(path));
	snprintf(line, sizeof(line), "[127.0.0.1]:%d %s", test_vm.ssh_port,
		 key);
	write_file(path, line);
	assert_int_equal(plugin->exec_ready(&test_vm), -1);
	assert_non_null(strstr(test_error, "host key"));
	assert_false(master_alive());
	unlink(path);
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
}

static void test_refused_key_is_not_ready(void **state)
{
	char path[512];

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
	snprintf(path, sizeof(path), "%s/authorized_keys", sshd_dir);
	write_file(path, "");
	assert_int_equal(plugin->exec_ready(&test_vm), AQ_ENOTREADY);
	snprintf(path, sizeof(path), "%s/authorized_keys", sshd_dir);
	write_file(path, pubkey);
	assert_int_equal(plugin->exec_ready(&test_vm), 0);
}

static void test_missing_key_is_an_error(void **state)
{
	struct aq_vm vm = test_vm;
	static char other[256];

	(void)state;
	snprintf(other, sizeof(other), "%s/nokey", test_home);
	home_now = other;
	vm.ssh_port = 1;
	assert_int_equal(plugin->exec_ready(&vm), -1);
	assert_non_null(strstr(test_error, "is missing"));
	home_now = test_home;
}

static void test_ssh_not_installed(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	NEED_SSHD();
	assert_int_equal(plugin->exec_disconnect(&test_vm), 0);
	sleep_ms(200);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r;

		setenv("PATH", "/nonexistent", 1);
		r = plugin->exec_ready(&test_vm);
		_exit(r == -1 && strstr(test_error, "cannot run 'ssh'") ?
		      0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_control_path_too_long(void **state)
{
	struct aq_vm vm = test_vm;
	char dir[200];

	(void)state;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	vm.dir = dir;
	assert_int_equal(plugin->exec_ready(&vm), -1);
	assert_non_null(strstr(test_error, "control socket"));
}

/* --- setup --- */

static int start_sshd(void)
{
	char path[256], conf[1024];
	struct stat st;
	int log;
	long long end;
	const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N",
				 "", "-f", path, NULL };

	if (geteuid() != 0 || access(SSHD, X_OK) != 0) {
		fprintf(stderr, "skipping sshd tests: need root and %s\n",
			SSHD);
		return 0;
	}
	if (stat("/run/sshd", &st) != 0 && mkdir("/run/sshd", 0755) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/host_key", sshd_dir);
	if (run_quiet(keygen) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/authorized_keys", sshd_dir);
	write_file(path, pubkey);
	snprintf(conf, sizeof(conf),
		 "ListenAddress 127.0.0.1:%d\n"
		 "HostKey %s/host_key\n"
		 "AuthorizedKeysFile %s/authorized_keys\n"
		 "PermitRootLogin prohibit-password\n"
		 "PasswordAuthentication no\n"
		 "KbdInteractiveAuthentication no\n"
		 "UsePAM no\n"
		 "StrictModes no\n"
		 "PidFile none\n",
		 test_vm.ssh_port, sshd_dir, sshd_dir);
	snprintf(path, sizeof(path), "%s/sshd_config", sshd_dir);
	write_file(path, conf);
	snprintf(conf, sizeof(conf), "%s/sshd.log", sshd_dir);
	log = open(conf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	sshd_pid = fork();
	if (sshd_pid == 0) {
		dup2(log, 2);
		execl(SSHD, SSHD, "-D", "-e", "-f", path, (char *)NULL);
		_exit(127);
	}
	close(log);
	for (end = now_ms() + 5000; now_ms() < end; sleep_ms(20))
		if (port_answers(test_vm.ssh_port))
			return 1;
	fprintf(stderr, "sshd did not start; see %s\n", conf);
	return 0;
}

static void rm_rf(const char *path)
{
	const char *argv[] = { "rm", "-rf", path, NULL };

	if (path[0])
		run_quiet(argv);
}

static int setup(void **state)
{
	union {
		void *p;
		const struct aq_plugin *plugin;
	} sym;
	char path[256];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(test_home, sizeof(test_home), "/tmp/aq exec %%h.XXXXXX");
	snprintf(sshd_dir, sizeof(sshd_dir), "/tmp/aq-sshd.XXXXXX");
	if (!mkdtemp(test_home) || !mkdtemp(sshd_dir))
		return -1;
	snprintf(path, sizeof(path), "%s/vms", test_home);
	snprintf(vm_dir, sizeof(vm_dir), "%s/vms/t", test_home);
	if (mkdir(path, 0755) < 0 || mkdir(vm_dir, 0755) < 0)
		return -1;
	test_handle = dlopen(EXEC_PLUGIN, RTLD_NOW | RTLD_LOCAL);
	if (!test_handle) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	sym.p = dlsym(test_handle, AQ_PLUGIN_SYMBOL);
	plugin = sym.plugin;
	if (!plugin || plugin->init(&test_host) < 0)
		return -1;
	if (plugin->exec_key(pubkey, sizeof(pubkey)) < 0) {
		fprintf(stderr, "exec_key: %s\n", test_error);
		return -1;
	}
	test_vm.name = "t";
	test_vm.dir = vm_dir;
	test_vm.arch = "x86_64";
	test_vm.accel = "tcg";
	test_vm.ssh_port = free_port();
	sshd_ok = start_sshd();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (plugin) {
		plugin->exec_disconnect(&test_vm);
		plugin->fini();
	}
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
	}
	if (test_handle)
		dlclose(test_handle);
	rm_rf(test_home);
	rm_rf(sshd_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugin_identity),
		cmocka_unit_test(test_key_created_once),
		cmocka_unit_test(test_key_race),
		cmocka_unit_test(test_not_ready_while_nothing_listens),
		cmocka_unit_test(test_ready_starts_one_master),
		cmocka_unit_test(test_run_status_and_words),
		cmocka_unit_test(test_run_stdin_and_no_stdin),
		cmocka_unit_test(test_run_stderr_apart),
		cmocka_unit_test(test_run_tty_flag),
		cmocka_unit_test(test_run_starts_master_without_holding_pipes),
		cmocka_unit_test(test_run_signals),
		cmocka_unit_test(test_ssh_config_block),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_stale_control_socket),
		cmocka_unit_test(test_changed_host_key_is_an_error),
		cmocka_unit_test(test_refused_key_is_not_ready),
		cmocka_unit_test(test_missing_key_is_an_error),
		cmocka_unit_test(test_ssh_not_installed),
		cmocka_unit_test(test_control_path_too_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
