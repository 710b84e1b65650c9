/*
 * Running ssh with descriptors of our choosing (see exec_spawn.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_spawn.h"

static volatile pid_t exec_child;
static volatile sig_atomic_t exec_forwarded;

struct exec_signals {
	struct sigaction intr, quit, term, hup;
	int active;
};

static void exec_forward(int sig)
{
	int saved = errno;

	exec_forwarded = sig;
	if (exec_child > 0)
		kill(exec_child, sig);
	errno = saved;
}

static void exec_signals_take(struct exec_signals *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, &s->intr);
	sigaction(SIGQUIT, &sa, &s->quit);
	sa.sa_handler = exec_forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, NULL, &s->term);
	if (s->term.sa_handler != SIG_IGN)
		sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, NULL, &s->hup);
	if (s->hup.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	exec_forwarded = 0;
	s->active = 1;
}

static void exec_signals_give_back(struct exec_signals *s)
{
	if (!s->active)
		return;
	sigaction(SIGINT, &s->intr, NULL);
	sigaction(SIGQUIT, &s->quit, NULL);
	sigaction(SIGTERM, &s->term, NULL);
	sigaction(SIGHUP, &s->hup, NULL);
	s->active = 0;
}

/*
 * In the child: put the descriptors in place and exec.  A descriptor
 * already at its place may carry FD_CLOEXEC, which dup2 would not clear.
 * SIGINT, SIGQUIT and SIGPIPE go back to their defaults, which aq itself
 * may have set aside: ssh only handles SIGINT if it is not ignored.
 */
static void exec_child_run(const char *const argv[], const int fds[3],
			   struct exec_signals *sigs, int report)
{
	int err;
	int i;

	exec_signals_give_back(sigs);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	for (i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (fds[i] == i)
			fcntl(i, F_SETFD, 0);
		else if (dup2(fds[i], i) < 0)
			goto fail;
	}
	execvp(argv[0], (char *const *)argv);
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) != (ssize_t)sizeof(err))
		_exit(126);
	_exit(127);
}

static int exec_wait(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		*status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*status = 128 + WTERMSIG(st);
	else
		*status = 255;
	return 0;
}

/* Read the child's exec errno from the report pipe; 0 when exec worked. */
static int exec_reported(int fd)
{
	int err = 0;
	ssize_t n;

	do
		n = read(fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(err) ? err : 0;
}

int exec_spawn(const struct aq_host *host, const char *const argv[],
	       const int fds[3], unsigned int flags, int *status)
{
	struct exec_signals sigs = { .active = 0 };
	int report[2] = { -1, -1 };
	int err = 0;
	int st = 0;
	int ret = -1;
	pid_t pid;

	if (pipe(report) < 0 || fcntl(report[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(report[1], F_SETFD, FD_CLOEXEC) < 0) {
		ret = host->error("cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	if (flags & EXEC_SPAWN_FOREGROUND)
		exec_signals_take(&sigs);
	pid = fork();
	if (pid < 0) {
		ret = host->error("cannot run '%s': %s", argv[0],
				  strerror(errno));
		goto out;
	}
	if (pid == 0)
		exec_child_run(argv, fds, &sigs, report[1]);
	exec_child = pid;
	close(report[1]);
	report[1] = -1;
	err = exec_reported(report[0]);
	if (exec_wait(pid, &st) < 0) {
		ret = host->error("cannot wait for '%s': %s", argv[0],
				  strerror(errno));
		goto out;
	}
	if (err) {
		ret = host->error("cannot run '%s': %s", argv[0],
				  strerror(err));
		goto out;
	}
	*status = st;
	ret = 0;
out:
	exec_child = 0;
	exec_signals_give_back(&sigs);
	if (exec_forwarded) {
		int sig = exec_forwarded;

		exec_forwarded = 0;
		raise(sig);
	}
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	return ret;
}
