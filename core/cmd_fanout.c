/*
 * aq fanout: run one command in N fresh VMs made from a snapshot.
 *
 *   aq fanout [--keep] [--prefix P] [--timeout S] TAG N -- CMD [ARG]...
 *
 * The VMs P-1 ... P-N (P defaults to TAG) are made from TAG, then each
 * is started and CMD run in it by a child process of its own, all at
 * once.  The guest command sees AQ_SHARD_INDEX (0 ... N-1) and
 * AQ_SHARD_TOTAL.  Every line a shard prints comes out prefixed with
 * its VM's name, stdout on stdout and stderr on stderr.  aq exits with
 * the highest exit status of the shards (255 for a VM that did not
 * start) and removes the VMs, unless --keep.  SIGINT, SIGTERM or SIGHUP
 * stop the shards and remove the VMs, --keep or not.
 *
 * Each child is the leader of its own process group, so a signal meant
 * for a shard reaches its ssh too, and Ctrl-C at the terminal reaches
 * only this process, which tears the shards down in order.
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

#include "cmd.h"
#include "error.h"
#include "opts.h"
#include "util.h"
#include "banned.h"

#define FANOUT_MAX 64
#define FANOUT_LINE_MAX 65536
#define FANOUT_GRACE_MS 5000

enum { OPT_KEEP = 1000, OPT_PREFIX, OPT_TIMEOUT };

static const struct aq_opt fanout_opts[] = {
	{ OPT_KEEP, 'k', "keep", 0 },
	{ OPT_PREFIX, 0, "prefix", 1 },
	{ OPT_TIMEOUT, 't', "timeout", 1 },
	{ 0, 0, NULL, 0 }
};

/* One output stream of one shard, cut into lines. */
struct stream {
	int fd;			/* -1 once at EOF */
	FILE *to;
	char *buf;
	size_t len;
};

struct shard {
	char name[AQ_NAME_MAX + 1];
	pid_t pid;		/* 0 once reaped */
	int status;
	struct stream out, err;
};

struct fanout {
	const char *tag;
	const char *prefix;
	const char *timeout;
	int keep;
	long n;
	int cmdc;
	char **cmdv;
	struct shard *shards;
};

static volatile sig_atomic_t fanout_signal;
static int fanout_wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	fanout_signal = sig;
	if (fanout_wake[1] >= 0 && write(fanout_wake[1], &c, 1) < 0)
		errno = saved;
	errno = saved;
}

static void set_handlers(void (*fn)(int))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The guest command: CMD with the shard's variables set by env(1). */
static char **shard_argv(const struct fanout *f, long i, int *argc,
			 char *index, char *total, size_t len)
{
	char **v = calloc((size_t)f->cmdc + 6, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	snprintf(index, len, "AQ_SHARD_INDEX=%ld", i);
	snprintf(total, len, "AQ_SHARD_TOTAL=%ld", f->n);
	v[n++] = "env";
	v[n++] = index;
	v[n++] = total;
	/* One word with shell syntax is a shell line, as for aq exec. */
	if (f->cmdc == 1 && strpbrk(f->cmdv[0], " \t\n;|&<>()$`*?[]~'\"\\")) {
		v[n++] = "sh";
		v[n++] = "-c";
	}
	for (int k = 0; k < f->cmdc; k++)
		v[n++] = f->cmdv[k];
	*argc = n;
	return v;
}

static void shard_child(const struct fanout *f, long i, int out, int err)
{
	char index[64], total[64];
	char *start[5] = { "start", "--timeout", NULL, NULL, NULL };
	char **v;
	int null = open("/dev/null", O_RDONLY), argc, st;

	setpgid(0, 0);
	set_handlers(SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0)
		_exit(255);
	close(null);
	close(out);
	close(err);
	if (aq_verbosity > AQ_LOG_DEBUG)
		aq_verbosity = AQ_LOG_WARN;
	if (f->timeout) {
		start[2] = (char *)f->timeout;
		start[3] = f->shards[i].name;
	} else {
		start[1] = f->shards[i].name;
	}
	if (cmd_start(f->timeout ? 4 : 2, start) != 0) {
		fflush(NULL);
		_exit(255);
	}
	v = shard_argv(f, i, &argc, index, total, sizeof(index));
	st = v ? aq_exec_in(f->shards[i].name, argc, v, 0) : 255;
	fflush(NULL);
	_exit(st);
}

static int spawn(struct fanout *f, long i)
{
	struct shard *s = &f->shards[i];
	int out[2], err[2];
	pid_t pid;

	if (pipe(out) < 0)
		return aq_error_errno("cannot make a pipe");
	if (pipe(err) < 0) {
		close(out[0]);
		close(out[1]);
		return aq_error_errno("cannot make a pipe");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return aq_error_errno("cannot fork");
	}
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		close(fanout_wake[0]);
		close(fanout_wake[1]);
		for (long k = 0; k < i; k++) {
			if (f->shards[k].out.fd >= 0)
				close(f->shards[k].out.fd);
			if (f->shards[k].err.fd >= 0)
				close(f->shards[k].err.fd);
		}
		shard_child(f, i, out[1], err[1]);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	s->pid = pid;
	s->out.fd = out[0];
	s->err.fd = err[0];
	return 0;
}

static void emit(const struct shard *s, struct stream *st, const char *line,
		 size_t len)
{
	fprintf(st->to, "%s: %.*s\n", s->name, (int)len, line);
	fflush(st->to);
}

/* Read what there is; print whole lines; at EOF the rest too. */
static void drain(const struct shard *s, struct stream *st)
{
	char chunk[4096];
	ssize_t n = read(st->fd, chunk, sizeof(chunk));
	size_t start = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (st->len)
			emit(s, st, st->buf, st->len);
		st->len = 0;
		close(st->fd);
		st->fd = -1;
		return;
	}
	if (st->len + (size_t)n > FANOUT_LINE_MAX) {
		emit(s, st, st->buf, st->len);
		st->len = 0;
	}
	memcpy(st->buf + st->len, chunk, (size_t)n);
	st->len += (size_t)n;
	for (size_t i = 0; i < st->len; i++) {
		if (st->buf[i] != '\n')
			continue;
		emit(s, st, st->buf + start, i - start);
		start = i + 1;
	}
	memmove(st->buf, st->buf + start, st->len - start);
	st->len -= start;
}

static void stop_shards(struct fanout *f, int sig)
{
	for (long i = 0; i < f->n; i++)
		if (f->shards[i].pid > 0)
			kill(-f->shards[i].pid, sig);
}

static void reap(struct fanout *f, int block)
{
	for (long i = 0; i < f->n; i++) {
		struct shard *s = &f->shards[i];
		int st;

		if (s->pid <= 0 || waitpid(s->pid, &st, block ? 0 : WNOHANG) <=
		    0)
			continue;
		s->status = WIFEXITED(st) ? WEXITSTATUS(st) :
			    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
		s->pid = 0;
	}
}

/* Print the shards' output until they are all done. */
static void run_loop(struct fanout *f)
{
	struct pollfd *p = calloc((size_t)f->n * 2 + 1, sizeof(*p));
	long long killed_at = 0;
	int stopping = 0;

	for (;;) {
		size_t np = 0;

		if (fanout_signal && !stopping) {
			stopping = 1;
			killed_at = aq_now_ms();
			aq_log(AQ_LOG_WARN, "interrupted: stopping the shards "
			       "and removing their VMs");
			stop_shards(f, SIGTERM);
		}
		if (stopping && aq_now_ms() - killed_at > FANOUT_GRACE_MS)
			stop_shards(f, SIGKILL);
		p[np++] = (struct pollfd){ fanout_wake[0], POLLIN, 0 };
		for (long i = 0; i < f->n; i++) {
			if (f->shards[i].out.fd >= 0)
				p[np++] = (struct pollfd){
					f->shards[i].out.fd, POLLIN, 0 };
			if (f->shards[i].err.fd >= 0)
				p[np++] = (struct pollfd){
					f->shards[i].err.fd, POLLIN, 0 };
		}
		if (np == 1)
			break;
		if (poll(p, np, stopping ? 200 : -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			char c[16];

			if (read(fanout_wake[0], c, sizeof(c)) < 0)
				errno = 0;
		}
		for (long i = 0; i < f->n; i++) {
			struct shard *s = &f->shards[i];

			for (size_t k = 1; k < np; k++) {
				if (!p[k].revents)
					continue;
				if (p[k].fd == s->out.fd)
					drain(s, &s->out);
				else if (p[k].fd == s->err.fd)
					drain(s, &s->err);
			}
		}
		reap(f, 0);
	}
	free(p);
	if (stopping) {
		stop_shards(f, SIGKILL);
		reap(f, 1);
	}
	reap(f, 1);
}

static int teardown(struct fanout *f)
{
	char **v = calloc((size_t)f->n + 3, sizeof(*v));
	int saved = aq_verbosity, ret;

	if (!v)
		return aq_error("out of memory"), aq_error_report();
	v[0] = "rm";
	v[1] = "--force";
	for (long i = 0; i < f->n; i++)
		v[2 + i] = f->shards[i].name;
	if (aq_verbosity > AQ_LOG_DEBUG)
		aq_verbosity = AQ_LOG_WARN;
	ret = cmd_rm((int)f->n + 2, v);
	aq_verbosity = saved;
	free(v);
	return ret;
}

static int fanout_run(struct fanout *f)
{
	char (*names)[AQ_NAME_MAX + 1] = calloc((size_t)f->n,
						 sizeof(*names));
	int worst = 0, ret;

	f->shards = calloc((size_t)f->n, sizeof(*f->shards));
	if (!names || !f->shards) {
		free(names);
		free(f->shards);
		return aq_error("out of memory"), aq_error_report();
	}
	if (aq_new_clones(f->tag, f->prefix, f->n, names) < 0) {
		free(names);
		free(f->shards);
		aq_error_wrap("cannot fan out '%s'", f->tag);
		return aq_error_report();
	}
	for (long i = 0; i < f->n; i++) {
		struct shard *s = &f->shards[i];

		snprintf(s->name, sizeof(s->name), "%s", names[i]);
		s->out = (struct stream){ -1, stdout, NULL, 0 };
		s->err = (struct stream){ -1, stderr, NULL, 0 };
		s->out.buf = malloc(FANOUT_LINE_MAX);
		s->err.buf = malloc(FANOUT_LINE_MAX);
	}
	free(names);
	aq_log(AQ_LOG_INFO, "fanning out %s to %ld VMs: %s-1 ... %s-%ld",
	       f->tag, f->n, f->prefix, f->prefix, f->n);
	ret = pipe(fanout_wake);
	if (ret == 0) {
		fcntl(fanout_wake[0], F_SETFL, O_NONBLOCK);
		fcntl(fanout_wake[1], F_SETFL, O_NONBLOCK);
		signal(SIGPIPE, SIG_IGN);
		set_handlers(on_signal);
	}
	for (long i = 0; ret == 0 && i < f->n && !fanout_signal; i++)
		if (f->shards[i].out.buf && f->shards[i].err.buf)
			ret = spawn(f, i);
		else
			ret = aq_error("out of memory");
	if (ret < 0) {
		aq_error_report();
		fanout_signal = SIGTERM;
	}
	run_loop(f);
	for (long i = 0; i < f->n; i++) {
		if (f->shards[i].status > worst)
			worst = f->shards[i].status;
		free(f->shards[i].out.buf);
		free(f->shards[i].err.buf);
	}
	if (!f->keep || fanout_signal)
		teardown(f);
	if (fanout_signal)
		worst = 128 + fanout_signal;
	free(f->shards);
	return worst;
}

int cmd_fanout(int argc, char **argv)
{
	struct fanout f;
	struct aq_opts o;
	int id, ret = AQ_EXIT_USAGE;

	memset(&f, 0, sizeof(f));
	if (aq_opts_init(&o, argc, argv, fanout_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0) {
		if (id == OPT_KEEP)
			f.keep = 1;
		else if (id == OPT_PREFIX)
			f.prefix = o.arg;
		else
			f.timeout = o.arg;
	}
	if (id < 0)
		goto out;
	if (o.noperands < 3) {
		ret = cmd_usage("fanout", AQ_EXIT_USAGE);
		goto out;
	}
	f.tag = o.operands[0];
	f.prefix = f.prefix ? f.prefix : f.tag;
	if (aq_parse_long(o.operands[1], 1, FANOUT_MAX, &f.n) < 0) {
		aq_usage_error("fanout: invalid count '%s': use 1 to %d",
			       o.operands[1], FANOUT_MAX);
		goto out;
	}
	f.cmdc = o.noperands - 2;
	f.cmdv = o.operands + 2;
	ret = fanout_run(&f);
out:
	aq_opts_release(&o);
	return ret;
}
