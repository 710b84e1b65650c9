/*
 * The console's escape detector: a pure state machine that sits between
 * the user's keystrokes and the serial port.  It forwards every byte
 * except the escapes, which end the session:
 *
 *  - Ctrl-] (0x1d) anywhere, as telnet and virsh do;
 *  - "~." at the start of a line (the first byte of the session, or right
 *    after a CR or LF), as ssh does.  "~~" there sends one '~', and '~'
 *    followed by anything else sends both bytes.
 *
 * A '~' at the start of a line is held back until the next byte decides
 * what it means, so one byte of output may be owed across calls.
 */
#ifndef CONSOLE_ESCAPE_H
#define CONSOLE_ESCAPE_H

#include <stddef.h>

#define CONSOLE_ESCAPE_CTRL 0x1d	/* Ctrl-] */

struct console_escape {
	int line_start;		/* the next byte begins a line */
	int tilde;		/* a '~' at line start is being held */
};

void console_escape_init(struct console_escape *e);

/*
 * Feed n input bytes.  Writes the bytes to send into out, which must hold
 * n + 1 bytes, and returns how many there are.  Sets *detach to 1 if an
 * escape was seen (bytes after it are dropped), else to 0.  Once an
 * escape was seen, further feeds detach again at once.
 */
size_t console_escape_feed(struct console_escape *e, const unsigned char *in,
			   size_t n, unsigned char *out, int *detach);

/*
 * End of input: a held '~' is sent after all.  Writes it to out (which
 * must hold 1 byte) and returns 1, or returns 0.
 */
size_t console_escape_finish(struct console_escape *e, unsigned char *out);

#endif
