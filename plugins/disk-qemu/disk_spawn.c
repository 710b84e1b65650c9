/*
 * fork + execvp with stdout and stderr read back through pipes.  Both
 * pipes are drained together with poll() so a chatty stderr cannot block
 * the child while the parent waits on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk_spawn.h"

#define DISK_OUT_CAP (1024 * 1024)
#define DISK_LINE_MAX 1024

struct disk_sink {
	char *buf;		/* stdout so far */
	size_t len, cap;
	char line[DISK_LINE_MAX];	/* stderr line being read */
	size_t linelen;
	char *last;		/* last complete stderr line */
	size_t lastlen;
};

static int disk_keep_out(struct disk_sink *s, const char *p, size_t n)
{
	if (s->len + n > DISK_OUT_CAP)
		n = DISK_OUT_CAP - s->len;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *nb;

		while (cap < s->len + n + 1)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static void disk_line_end(struct disk_sink *s)
{
	if (s->linelen == 0)
		return;
	if (s->lastlen) {
		memcpy(s->last, s->line, s->linelen);
		s->last[s->linelen] = '\0';
	}
	s->linelen = 0;
}

static void disk_keep_err(struct disk_sink *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			disk_line_end(s);
		else if (p[i] != '\r' && s->linelen + 1 < s->lastlen &&
			 s->linelen + 1 < sizeof(s->line))
			s->line[s->linelen++] = p[i];
	}
}

/* A pipe whose ends the child does not keep past exec. */
static int disk_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

static void disk_child(const char *const argv[], int outfd, int errfd)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(127);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read both pipes until both are closed. */
static int disk_drain(int outfd, int errfd, struct disk_sink *s)
{
	struct pollfd p[2];
	char chunk[4096];

	p[0].fd = outfd;
	p[1].fd = errfd;
	p[0].events = p[1].events = POLLIN;
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int i;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			if (i == 1)
				disk_keep_err(s, chunk, (size_t)n);
			else if (disk_keep_out(s, chunk, (size_t)n) < 0)
				return -1;
		}
	}
	disk_line_end(s);
	return 0;
}

static int disk_wait(pid_t pid, char *errline, size_t errlen)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(errline, errlen, "cannot wait: %s",
				 strerror(errno));
			return -1;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(errline, errlen, "killed by signal %d",
		 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

int disk_capture(const char *const argv[], char **out, size_t *outlen,
		 char *errline, size_t errlen)
{
	struct disk_sink s = { NULL, 0, 0, { 0 }, 0, errline, errlen };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int drained, ret = -1;
	pid_t pid;

	if (errlen)
		errline[0] = '\0';
	if (disk_pipe(outp) < 0 || disk_pipe(errp) < 0) {
		snprintf(errline, errlen, "cannot make a pipe: %s",
			 strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(errline, errlen, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		disk_child(argv, outp[1], errp[1]);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	drained = disk_drain(outp[0], errp[0], &s);
	/* Closed before waiting, so a child we stopped reading cannot hang. */
	close(outp[0]);
	close(errp[0]);
	outp[0] = errp[0] = -1;
	ret = disk_wait(pid, errline, errlen);
	if (ret >= 0 && (drained < 0 || disk_keep_out(&s, "", 0) < 0)) {
		snprintf(errline, errlen, "cannot read the output of '%s'",
			 argv[0]);
		ret = -1;
	}
	if (ret >= 0) {
		*out = s.buf;
		*outlen = s.len;
		s.buf = NULL;
	}
out:
	free(s.buf);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	return ret;
}
