/*
 * A growable, NUL-terminated string buffer with a size cap.
 *
 *	struct aq_buf b = AQ_BUF_INIT;
 *	if (aq_buf_addf(&b, "%s/%s", dir, name) < 0)
 *		goto out;
 *	...
 *	aq_buf_release(&b);
 *
 * buf.s is always a valid string ("" when empty).  Growing past
 * AQ_BUF_CAP fails with an error recorded; the contents stay as they were.
 */
#ifndef AQ_BUF_H
#define AQ_BUF_H

#include <stddef.h>

#include "error.h"

#define AQ_BUF_CAP (64u << 20)

struct aq_buf {
	char *s;
	size_t len;
	size_t cap;
};

extern char aq_buf_empty[];
#define AQ_BUF_INIT { aq_buf_empty, 0, 0 }

int aq_buf_add(struct aq_buf *b, const char *data, size_t len);
int aq_buf_adds(struct aq_buf *b, const char *s);
int aq_buf_addf(struct aq_buf *b, const char *fmt, ...) AQ_PRINTF(2, 3);
void aq_buf_reset(struct aq_buf *b);

/* Free the contents; the buffer is empty and usable again. */
void aq_buf_release(struct aq_buf *b);

/* Hand the string to the caller (free() it); the buffer is emptied. */
char *aq_buf_detach(struct aq_buf *b);

#endif
