/*
 * QMP framing and the client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "aq/plugin.h"
#include "error.h"
#include "qmp.h"
#include "util.h"
#include "banned.h"

enum qmp_kind qmp_parse(const char *line, size_t len, char *why,
			size_t whylen, json_t **out)
{
	enum qmp_kind kind = QMP_INVALID;
	json_t *msg, *v = NULL;
	json_error_t jerr;

	if (why && whylen)
		why[0] = '\0';
	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg || !json_is_object(msg)) {
		if (why)
			snprintf(why, whylen, "%s", msg ? "not an object" :
				 jerr.text);
		json_decref(msg);
		return QMP_INVALID;
	}
	if (json_object_get(msg, "QMP")) {
		kind = QMP_GREETING;
	} else if ((v = json_object_get(msg, "return"))) {
		kind = QMP_RETURN;
	} else if ((v = json_object_get(msg, "error"))) {
		const char *desc = json_string_value(
			json_object_get(v, "desc"));

		kind = QMP_ERROR;
		if (why)
			snprintf(why, whylen, "%s", desc ? desc : "error");
		v = NULL;
	} else if (json_is_string(json_object_get(msg, "event"))) {
		kind = QMP_EVENT;
		if (why)
			snprintf(why, whylen, "%s", json_string_value(
				 json_object_get(msg, "event")));
		v = json_object_get(msg, "data");
	}
	if (out)
		*out = v ? json_incref(v) : NULL;
	json_decref(msg);
	return kind;
}

/* Wait for the socket to be readable, then buffer what there is. */
static int qmp_fill(struct qmp *q, long long deadline)
{
	struct pollfd p = { q->fd, POLLIN, 0 };
	ssize_t n;
	int r;

	if (q->len + 4096 > q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8192;
		char *b;

		if (cap > QMP_BUF_MAX)
			return aq_error("qmp: reply larger than %u bytes",
					QMP_BUF_MAX);
		b = realloc(q->buf, cap);
		if (!b)
			return aq_error("out of memory");
		q->buf = b;
		q->cap = cap;
	}
	do {
		long long left = deadline - aq_now_ms();

		if (left <= 0)
			return AQ_ETIMEOUT;
		r = poll(&p, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return aq_error_errno("qmp: poll");
	if (r == 0)
		return AQ_ETIMEOUT;
	n = read(q->fd, q->buf + q->len, q->cap - q->len);
	if (n < 0)
		return aq_error_errno("qmp: read");
	if (n == 0)
		return aq_error("qmp: QEMU closed the connection");
	q->len += (size_t)n;
	return 0;
}

/* The next complete line, parsed; blank lines are skipped. */
static int qmp_next(struct qmp *q, long long deadline, enum qmp_kind *kind,
		    char *why, size_t whylen, json_t **out)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;

		if (nl) {
			size_t line = (size_t)(nl - q->buf);
			int blank = line == 0 ||
				    (line == 1 && q->buf[0] == '\r');

			if (!blank)
				*kind = qmp_parse(q->buf, line, why, whylen,
						  out);
			memmove(q->buf, nl + 1, q->len - line - 1);
			q->len -= line + 1;
			if (blank)
				continue;
			if (*kind == QMP_INVALID)
				return aq_error("qmp: bad message: %s", why);
			return 0;
		}
		int r = qmp_fill(q, deadline);

		if (r < 0)
			return r;
	}
}

static int qmp_send(struct qmp *q, const char *cmd, json_t *args)
{
	json_t *msg = json_pack("{s:s}", "execute", cmd);
	char *text;
	size_t len, off = 0;
	int ret = 0;

	if (!msg)
		return aq_error("out of memory");
	if (args)
		json_object_set(msg, "arguments", args);
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return aq_error("out of memory");
	len = strlen(text);
	text[len] = '\n';	/* json_dumps leaves room: its NUL */
	while (off < len + 1) {
		ssize_t n = write(q->fd, text + off, len + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = aq_error_errno("qmp: cannot send '%s'", cmd);
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return ret;
}

int qmp_command(struct qmp *q, const char *cmd, json_t *args, json_t **ret,
		int timeout_ms)
{
	long long deadline = aq_now_ms() + timeout_ms;
	enum qmp_kind kind;
	char why[512];
	json_t *v;
	int r;

	if (qmp_send(q, cmd, args) < 0)
		return -1;
	for (;;) {
		r = qmp_next(q, deadline, &kind, why, sizeof(why), &v);
		if (r == AQ_ETIMEOUT)
			return aq_error("qmp: no reply to '%s' within %d ms",
					cmd, timeout_ms);
		if (r < 0)
			return r;
		if (kind == QMP_RETURN)
			break;
		json_decref(v);
		if (kind == QMP_ERROR)
			return aq_error("qmp: '%s' failed: %s", cmd, why);
	}
	if (ret)
		*ret = v;
	else
		json_decref(v);
	return 0;
}

int qmp_wait_event(struct qmp *q, const char *name, json_t **data,
		   int timeout_ms)
{
	long long deadline = aq_now_ms() + timeout_ms;
	enum qmp_kind kind;
	char why[512];
	json_t *v;
	int r;

	for (;;) {
		r = qmp_next(q, deadline, &kind, why, sizeof(why), &v);
		if (r < 0)
			return r;
		if (kind == QMP_EVENT && !strcmp(why, name))
			break;
		json_decref(v);
	}
	if (data)
		*data = v;
	else
		json_decref(v);
	return 0;
}

int qmp_open(struct qmp *q, const char *path, int timeout_ms)
{
	long long deadline = aq_now_ms() + timeout_ms;
	struct sockaddr_un sa;
	enum qmp_kind kind;
	char why[512];
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return aq_error("qmp: socket path '%s' is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	q->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (q->fd < 0)
		return aq_error_errno("qmp: socket");
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		aq_error_errno("qmp: cannot connect to '%s'", path);
		qmp_close(q);
		return -1;
	}
	r = qmp_next(q, deadline, &kind, why, sizeof(why), NULL);
	if (r == 0 && kind != QMP_GREETING)
		r = aq_error("qmp: expected a greeting from '%s'", path);
	else if (r == AQ_ETIMEOUT)
		r = aq_error("qmp: no greeting from '%s'", path);
	if (r == 0)
		r = qmp_command(q, "qmp_capabilities", NULL, NULL,
				(int)(deadline - aq_now_ms()) + 1);
	if (r < 0)
		qmp_close(q);
	return r;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	q->fd = -1;
	q->buf = NULL;
	q->len = q->cap = 0;
}
