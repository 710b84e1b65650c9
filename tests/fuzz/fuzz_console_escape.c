/*
 * Fuzz target for the console's escape detector: random keystrokes fed
 * in one piece and in random pieces must send the same bytes and detach
 * at the same point, never send Ctrl-], and never overrun out's n + 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	unsigned char out[4097];
	size_t n;
	int detach;
};

/* Feed data in chunks whose sizes come from the seed; collect output. */
static void feed_chunks(const uint8_t *data, size_t size, unsigned seed,
			struct run *r)
{
	struct console_escape e;
	unsigned char out[4097];
	size_t pos = 0;

	console_escape_init(&e);
	r->n = 0;
	r->detach = 0;
	while (pos < size && !r->detach) {
		size_t chunk = seed ? 1 + (seed % 7) : size - pos;
		size_t n;

		seed = seed * 1103515245u + 12345u;
		if (chunk > size - pos)
			chunk = size - pos;
		n = console_escape_feed(&e, data + pos, chunk, out, &r->detach);
		if (n > chunk + 1)
			abort();
		memcpy(r->out + r->n, out, n);
		r->n += n;
		pos += chunk;
	}
	if (!r->detach)
		r->n += console_escape_finish(&e, r->out + r->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, pieces;
	unsigned seed;
	size_t i;

	if (size < 1 || size > 4000)
		return 0;
	seed = data[0] | 1u;
	feed_chunks(data + 1, size - 1, 0, &whole);
	feed_chunks(data + 1, size - 1, seed, &pieces);
	if (whole.detach != pieces.detach || whole.n != pieces.n ||
	    memcmp(whole.out, pieces.out, whole.n) != 0)
		abort();
	for (i = 0; i < whole.n; i++)
		if (whole.out[i] == CONSOLE_ESCAPE_CTRL)
			abort();
	if (!whole.detach && memchr(data + 1, CONSOLE_ESCAPE_CTRL, size - 1))
		abort();
	return 0;
}
