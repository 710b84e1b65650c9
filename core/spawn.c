/*
 * fork/exec with captured output.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "banned.h"

/* Exit status a child uses to say exec failed; the parent reports it. */
#define SPAWN_EXEC_FAILED 127

static void spawn_child(const char *const argv[], int outfd, int errfd)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		_exit(SPAWN_EXEC_FAILED);
	dup2(null, 0);
	dup2(outfd >= 0 ? outfd : null, 1);
	if (errfd >= 0)
		dup2(errfd, 2);
	/* A daemon (qemu -daemonize) must not keep the pipes open. */
	if (outfd > 2)
		close(outfd);
	if (errfd > 2)
		close(errfd);
	if (null > 2)
		close(null);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(SPAWN_EXEC_FAILED);
}

static int drain(int *fd, struct aq_buf *into)
{
	char chunk[4096];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	return aq_buf_add(into, chunk, (size_t)n);
}

static int collect(int outfd, int errfd, struct aq_buf *out,
		   struct aq_buf *err)
{
	int ret = 0;

	while (outfd >= 0 || errfd >= 0) {
		struct pollfd p[2] = { { outfd, POLLIN, 0 },
				       { errfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = aq_error_errno("poll");
			break;
		}
		if (outfd >= 0 && p[0].revents && drain(&outfd, out) < 0)
			ret = -1;
		if (errfd >= 0 && p[1].revents && drain(&errfd, err) < 0)
			ret = -1;
	}
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	return ret;
}

int aq_run_capture(const char *const argv[], struct aq_buf *out,
		   struct aq_buf *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int status, collected;
	pid_t pid;

	if ((out && pipe(outp) < 0) || (err && pipe(errp) < 0)) {
		aq_error_errno("cannot run '%s': pipe", argv[0]);
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		aq_error_errno("cannot run '%s': fork", argv[0]);
		goto fail;
	}
	if (pid == 0) {
		if (outp[0] >= 0)
			close(outp[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		spawn_child(argv, outp[1], errp[1]);
	}
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	collected = collect(outp[0], errp[0], out, err);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return aq_error_errno("cannot wait for '%s'", argv[0]);
	if (collected < 0)
		return -1;
	if (WIFSIGNALED(status))
		return aq_error("'%s' was killed by signal %d", argv[0],
				WTERMSIG(status));
	if (WEXITSTATUS(status) == SPAWN_EXEC_FAILED && err &&
	    strstr(err->s, "cannot run '")) {
		char line[512];

		aq_last_line(err->s, line, sizeof(line));
		return aq_error("%s", line);
	}
	return WEXITSTATUS(status);
fail:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

void aq_last_line(const char *text, char *out, size_t len)
{
	const char *end = text + strlen(text);
	const char *start;
	size_t n;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' ||
			      end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	n = (size_t)(end - start);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, start, n);
	out[n] = '\0';
}

int aq_run(const char *const argv[], char *errbuf, size_t errlen)
{
	struct aq_buf err = AQ_BUF_INIT;
	int status = aq_run_capture(argv, NULL, &err);

	if (status > 0 && errbuf && errlen)
		aq_last_line(err.s, errbuf, errlen);
	aq_buf_release(&err);
	return status;
}
