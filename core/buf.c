/*
 * Growable string buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

char aq_buf_empty[1];

static int buf_grow(struct aq_buf *b, size_t extra)
{
	size_t want, cap;
	char *s;

	if (extra > AQ_BUF_CAP - b->len - 1)
		return aq_error("string longer than %u bytes", AQ_BUF_CAP);
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	s = realloc(b->cap ? b->s : NULL, cap);
	if (!s)
		return aq_error("out of memory");
	if (!b->cap)
		s[0] = '\0';
	b->s = s;
	b->cap = cap;
	return 0;
}

int aq_buf_add(struct aq_buf *b, const char *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	memcpy(b->s + b->len, data, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

int aq_buf_adds(struct aq_buf *b, const char *s)
{
	return aq_buf_add(b, s, strlen(s));
}

int aq_buf_addf(struct aq_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return aq_error("cannot format string");
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void aq_buf_reset(struct aq_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->s[0] = '\0';
}

void aq_buf_release(struct aq_buf *b)
{
	if (b->cap)
		free(b->s);
	b->s = aq_buf_empty;
	b->len = 0;
	b->cap = 0;
}

char *aq_buf_detach(struct aq_buf *b)
{
	char *s = b->cap ? b->s : strdup("");

	b->s = aq_buf_empty;
	b->len = 0;
	b->cap = 0;
	return s;
}
