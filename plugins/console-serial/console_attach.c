/*
 * Attaching stdin/stdout to a VM's serial console socket.
 *
 * QEMU serves the console as a listening unix socket (server=on,
 * wait=off) and talks to one client at a time.  We connect, put the
 * terminal in raw mode so every key reaches the guest, and relay both
 * ways with poll() until the user types the escape (console_escape.h),
 * QEMU closes the socket, stdin ends, or a signal asks us to stop.  The
 * terminal is restored on each of those paths before anything is
 * printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console_args.h"
#include "console_attach.h"
#include "console_escape.h"

#define CONSOLE_BUF 4096
#define CONSOLE_CONNECT_MS 2000
#define CONSOLE_READABLE (POLLIN | POLLHUP | POLLERR)

/* Why the relay loop stopped. */
enum console_end {
	CONSOLE_RUNNING,	/* not ended: go on relaying */
	CONSOLE_DETACHED,	/* escape typed, or stdin ended */
	CONSOLE_CLOSED,		/* QEMU closed the socket: the VM stopped */
	CONSOLE_SIGNALLED,	/* SIGTERM, SIGHUP, ... */
	CONSOLE_OUTPUT_GONE,	/* stdout is a pipe nobody reads any more */
	CONSOLE_FAILED		/* an error was recorded */
};

struct console_session {
	const struct aq_host *host;
	const struct aq_vm *vm;
	int sock;
	int stdin_open;
	int raw;		/* stdin is a terminal we put in raw mode */
	struct termios saved;
	struct console_escape esc;
	unsigned char keys[CONSOLE_BUF + 1];	/* typed, not yet sent */
	size_t nkeys;
	size_t sent;
	struct timespec eof_at;	/* when stdin ended, if it did */
	struct timespec heard_at;	/* when the VM last said something */
	int signo;
};

/*
 * The signals that end a session.  SIGINT cannot come from the keyboard
 * in raw mode (it reaches the guest as ^C) but may come from kill(1).
 */
static const int console_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
#define CONSOLE_NSIGNALS (sizeof(console_signals) / sizeof(console_signals[0]))

/* Self-pipe: the handler writes the signal number, poll() wakes up. */
static int console_sigpipe[2] = { -1, -1 };

struct console_signal_state {
	struct sigaction old[CONSOLE_NSIGNALS];
	int caught[CONSOLE_NSIGNALS];
	struct sigaction old_pipe;
};

static void console_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t r = write(console_sigpipe[1], &c, 1);

	(void)r;
	errno = saved;
}

static int console_set_flags(int fd, int fdflags, int flflags)
{
	int f = fcntl(fd, F_GETFD);

	if (f < 0 || fcntl(fd, F_SETFD, f | fdflags) < 0)
		return -1;
	f = fcntl(fd, F_GETFL);
	if (f < 0 || fcntl(fd, F_SETFL, f | flflags) < 0)
		return -1;
	return 0;
}

static void console_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Catch the ending signals (leaving alone any the caller ignores, as
 * nohup asks) and ignore SIGPIPE, so writing to a socket QEMU just
 * closed is an error we see rather than a death that skips the terminal
 * restore.
 */
static int console_signals_catch(const struct aq_host *host,
				 struct console_signal_state *st)
{
	struct sigaction sa;
	size_t i;

	if (pipe(console_sigpipe) < 0)
		return host->error("cannot create a pipe: %s", strerror(errno));
	if (console_set_flags(console_sigpipe[0], FD_CLOEXEC, O_NONBLOCK) < 0 ||
	    console_set_flags(console_sigpipe[1], FD_CLOEXEC, O_NONBLOCK) < 0) {
		console_close(&console_sigpipe[0]);
		console_close(&console_sigpipe[1]);
		return host->error("cannot set up a pipe: %s", strerror(errno));
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = console_on_signal;
	for (i = 0; i < CONSOLE_NSIGNALS; i++) {
		st->caught[i] = 0;
		if (sigaction(console_signals[i], NULL, &st->old[i]) < 0 ||
		    st->old[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(console_signals[i], &sa, NULL) == 0)
			st->caught[i] = 1;
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &st->old_pipe);
	return 0;
}

static void console_signals_release(struct console_signal_state *st)
{
	size_t i;

	for (i = 0; i < CONSOLE_NSIGNALS; i++)
		if (st->caught[i])
			sigaction(console_signals[i], &st->old[i], NULL);
	sigaction(SIGPIPE, &st->old_pipe, NULL);
	console_close(&console_sigpipe[0]);
	console_close(&console_sigpipe[1]);
}

/*
 * Raw mode by hand (cfmakeraw is not POSIX): no echo, no line editing,
 * no signals from keys, no CR/LF translation either way, 8-bit bytes.
 */
static int console_raw_enter(struct console_session *s)
{
	struct termios t;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &s->saved) < 0)
		return s->host->error("cannot read terminal settings: %s",
				      strerror(errno));
	t = s->saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0)
		return s->host->error("cannot put the terminal in raw mode: %s",
				      strerror(errno));
	s->raw = 1;
	return 0;
}

static void console_raw_leave(struct console_session *s)
{
	if (!s->raw)
		return;
	while (tcsetattr(STDIN_FILENO, TCSADRAIN, &s->saved) < 0 &&
	       errno == EINTR)
		;
	s->raw = 0;
}

/*
 * Only aq takes this lock, so it tells one `aq console` from another;
 * QEMU itself would just leave a second client waiting in its backlog.
 */
static int console_lock(const struct aq_host *host, const struct aq_vm *vm,
			int *out)
{
	char path[AQ_PATH_MAX];
	struct flock fl;
	int fd;

	if (console_path(vm->dir, CONSOLE_LOCK, path, sizeof(path)) < 0)
		return host->error("cannot use '%s/%s': path too long",
				   vm->dir, CONSOLE_LOCK);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return host->error("cannot open '%s': %s", path,
				   strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int err = errno;

		close(fd);
		if (err == EACCES || err == EAGAIN)
			return host->error("the console of '%s' is busy "
					   "(another aq console is attached)",
					   vm->name);
		return host->error("cannot lock '%s': %s", path,
				   strerror(err));
	}
	*out = fd;
	return 0;
}

/* Wait for a non-blocking connect() that did not finish at once. */
static int console_connect_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;
	int r;

	do
		r = poll(&p, 1, CONSOLE_CONNECT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return EAGAIN;
	if (r < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int console_connect_error(const struct aq_host *host,
				 const struct aq_vm *vm, const char *path,
				 int err)
{
	if (err == ENOENT || err == ECONNREFUSED)
		return host->error("'%s' is not running (no console at "
				   "'%s')", vm->name, path);
	if (err == EAGAIN)
		return host->error("the console of '%s' is busy", vm->name);
	return host->error("cannot connect to '%s': %s", path, strerror(err));
}

static int console_connect(const struct aq_host *host, const struct aq_vm *vm,
			   int *out)
{
	struct sockaddr_un sa;
	char path[AQ_PATH_MAX];
	int fd = -1;
	int err = 0;

	if (console_path(vm->dir, AQ_VM_CONSOLE, path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path))
		return host->error("cannot use '%s' for the console of '%s': "
				   "socket path too long", vm->dir, vm->name);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return host->error("cannot create a socket: %s",
				   strerror(errno));
	if (console_set_flags(fd, FD_CLOEXEC, O_NONBLOCK) < 0)
		err = errno;
	else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno == EINPROGRESS ? console_connect_wait(fd) : errno;
	if (err) {
		close(fd);
		return console_connect_error(host, vm, path, err);
	}
	*out = fd;
	return 0;
}

static long console_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Write all of buf to stdout, which may be non-blocking. */
static int console_output(const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, buf, n);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = STDOUT_FILENO,
					    .events = POLLOUT };

			poll(&p, 1, -1);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy what the VM said to stdout. */
static enum console_end console_from_vm(struct console_session *s)
{
	unsigned char buf[CONSOLE_BUF];
	ssize_t n = read(s->sock, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return CONSOLE_RUNNING;
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return CONSOLE_CLOSED;
	if (n < 0) {
		s->host->error("cannot read the console of '%s': %s",
			       s->vm->name, strerror(errno));
		return CONSOLE_FAILED;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->heard_at);
	if (console_output(buf, (size_t)n) < 0) {
		if (errno == EPIPE)
			return CONSOLE_OUTPUT_GONE;
		s->host->error("cannot write console output: %s",
			       strerror(errno));
		return CONSOLE_FAILED;
	}
	return CONSOLE_RUNNING;
}

/* Send what is left of the typed keys; returns -1 when the VM is gone. */
static int console_to_vm(struct console_session *s)
{
	while (s->sent < s->nkeys) {
		ssize_t w = write(s->sock, s->keys + s->sent,
				  s->nkeys - s->sent);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0)
			return -1;
		s->sent += (size_t)w;
	}
	s->nkeys = 0;
	s->sent = 0;
	/* After stdin ended, the quiet period starts with the last key. */
	if (!s->stdin_open)
		clock_gettime(CLOCK_MONOTONIC, &s->heard_at);
	return 0;
}

/*
 * Read keys and run them through the escape detector.  Returns
 * CONSOLE_DETACHED on the escape or when a terminal hangs up.
 */
static enum console_end console_from_user(struct console_session *s)
{
	unsigned char buf[CONSOLE_BUF];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	int detach = 0;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return CONSOLE_RUNNING;
	if (n <= 0) {
		/* A terminal that hangs up ends the session at once. */
		s->stdin_open = 0;
		s->nkeys += console_escape_finish(&s->esc, s->keys + s->nkeys);
		if (s->raw)
			return CONSOLE_DETACHED;
		clock_gettime(CLOCK_MONOTONIC, &s->eof_at);
		s->heard_at = s->eof_at;
		return CONSOLE_RUNNING;
	}
	s->nkeys = console_escape_feed(&s->esc, buf, (size_t)n, s->keys,
				       &detach);
	s->sent = 0;
	return detach ? CONSOLE_DETACHED : CONSOLE_RUNNING;
}

/*
 * Milliseconds poll() may sleep after stdin ended: the quiet period
 * applies once every key is sent, the overall limit regardless.
 */
static int console_drain_timeout(const struct console_session *s)
{
	long quiet = CONSOLE_QUIET_MS - console_ms_since(&s->heard_at);
	long t = CONSOLE_DRAIN_MS - console_ms_since(&s->eof_at);

	if (s->nkeys == 0 && quiet < t)
		t = quiet;
	return t < 0 ? 0 : (int)t;
}

/* Give keys typed before the escape a moment to reach the VM. */
static void console_flush_keys(struct console_session *s)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (s->nkeys > 0 && console_ms_since(&start) < CONSOLE_CONNECT_MS) {
		struct pollfd p = { .fd = s->sock, .events = POLLOUT };

		if (console_to_vm(s) < 0)
			return;
		if (s->nkeys > 0)
			poll(&p, 1, 100);
	}
}

static enum console_end console_relay(struct console_session *s)
{
	for (;;) {
		struct pollfd p[3];
		int timeout = -1;
		int r;
		enum console_end end;

		p[0] = (struct pollfd){ .fd = console_sigpipe[0],
					.events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->sock, .events = POLLIN };
		if (s->nkeys > 0)
			p[1].events |= POLLOUT;
		p[2] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (!s->stdin_open || s->nkeys > 0)
			p[2].fd = -1;
		if (!s->stdin_open) {
			timeout = console_drain_timeout(s);
			if (timeout == 0)
				return CONSOLE_DETACHED;
		}
		r = poll(p, 3, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s->host->error("cannot wait for the console: %s",
				       strerror(errno));
			return CONSOLE_FAILED;
		}
		if (p[0].revents & POLLIN) {
			unsigned char c = 0;

			if (read(console_sigpipe[0], &c, 1) == 1) {
				s->signo = c;
				return CONSOLE_SIGNALLED;
			}
		}
		if (p[1].revents & CONSOLE_READABLE) {
			end = console_from_vm(s);
			if (end != CONSOLE_RUNNING)
				return end;
		}
		if (s->nkeys > 0 && console_to_vm(s) < 0)
			return CONSOLE_CLOSED;
		if (p[2].fd >= 0 && (p[2].revents & CONSOLE_READABLE)) {
			end = console_from_user(s);
			if (end == CONSOLE_DETACHED) {
				console_flush_keys(s);
				return end;
			}
			if (s->nkeys > 0 && console_to_vm(s) < 0)
				return CONSOLE_CLOSED;
		}
	}
}

static void console_greet(const struct console_session *s)
{
	fflush(stdout);
	fprintf(stderr, "Connected to %s's serial console. Escape: Ctrl-] "
		"or ~. at the start of a line.\n", s->vm->name);
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Press Enter for a prompt.\n");
}

/*
 * Say how it ended, with the terminal already restored.  A signal is
 * raised again under the caller's own disposition, so aq dies of it (or
 * handles it) as if we had never caught it.
 */
static int console_finish(struct console_session *s, enum console_end end,
			  struct console_signal_state *st)
{
	console_raw_leave(s);
	console_signals_release(st);
	switch (end) {
	case CONSOLE_DETACHED:
	case CONSOLE_OUTPUT_GONE:
		fprintf(stderr, "\nDetached from %s.\n", s->vm->name);
		return 0;
	case CONSOLE_CLOSED:
		fprintf(stderr, "\nConsole closed: %s stopped.\n", s->vm->name);
		return 0;
	case CONSOLE_SIGNALLED:
		fprintf(stderr, "\nDetached from %s.\n", s->vm->name);
		raise(s->signo);
		return s->host->error("console of '%s' interrupted: %s",
				      s->vm->name, strsignal(s->signo));
	case CONSOLE_RUNNING:
	case CONSOLE_FAILED:
		break;
	}
	return -1;
}

int console_attach_run(const struct aq_host *host, const struct aq_vm *vm)
{
	struct console_session s;
	struct console_signal_state st;
	int lock = -1;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.host = host;
	s.vm = vm;
	s.sock = -1;
	s.stdin_open = 1;
	console_escape_init(&s.esc);
	if (console_lock(host, vm, &lock) < 0 ||
	    console_connect(host, vm, &s.sock) < 0 ||
	    console_signals_catch(host, &st) < 0)
		goto out;
	console_greet(&s);
	if (console_raw_enter(&s) < 0) {
		console_signals_release(&st);
		goto out;
	}
	ret = console_finish(&s, console_relay(&s), &st);
out:
	console_close(&s.sock);
	console_close(&lock);
	return ret;
}
