/*
 * The console's escape detector (see console_escape.h).
 */
#include "console_escape.h"

/* Set once an escape was seen; kept so later feeds detach too. */
#define CONSOLE_ESCAPE_DONE -1

void console_escape_init(struct console_escape *e)
{
	e->line_start = 1;
	e->tilde = 0;
}

static int console_escape_byte(struct console_escape *e, unsigned char c,
			       unsigned char *out, size_t *n)
{
	if (e->tilde) {
		e->tilde = 0;
		if (c == '.')
			return 1;
		out[(*n)++] = '~';
		if (c == '~') {
			e->line_start = 0;
			return 0;
		}
	}
	if (c == CONSOLE_ESCAPE_CTRL)
		return 1;
	if (e->line_start && c == '~') {
		e->tilde = 1;
		return 0;
	}
	out[(*n)++] = c;
	e->line_start = c == '\r' || c == '\n';
	return 0;
}

size_t console_escape_feed(struct console_escape *e, const unsigned char *in,
			   size_t n, unsigned char *out, int *detach)
{
	size_t i;
	size_t len = 0;

	*detach = 0;
	if (e->line_start == CONSOLE_ESCAPE_DONE) {
		*detach = 1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (console_escape_byte(e, in[i], out, &len)) {
			e->line_start = CONSOLE_ESCAPE_DONE;
			e->tilde = 0;
			*detach = 1;
			break;
		}
	}
	return len;
}

size_t console_escape_finish(struct console_escape *e, unsigned char *out)
{
	if (!e->tilde)
		return 0;
	e->tilde = 0;
	e->line_start = 0;
	out[0] = '~';
	return 1;
}
