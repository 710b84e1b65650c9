/*
 * Running other programs: qemu-system-*, qemu-img, ssh, ssh-keygen.
 *
 * Programs are always given as an argv array, never a shell string;
 * argv[0] is searched in PATH.  The child's stdin is /dev/null.  Every
 * descriptor the parent opened for the child is closed by these functions
 * before they return; the caller owns nothing afterwards.
 */
#ifndef AQ_SPAWN_H
#define AQ_SPAWN_H

#include <stddef.h>

#include "buf.h"

/*
 * Run argv and wait.  stdout is appended to out (discarded when out is
 * NULL) and stderr to err (passed through to aq's stderr when err is
 * NULL).  Returns the exit status 0..255, or -1 with an error recorded if
 * the program could not be started or was killed by a signal.
 */
int aq_run_capture(const char *const argv[], struct aq_buf *out,
		   struct aq_buf *err);

/*
 * Run argv and wait, discarding stdout.  On a non-zero status the last
 * non-empty line of its stderr is copied into errbuf (if not NULL).
 */
int aq_run(const char *const argv[], char *errbuf, size_t errlen);

/* Copy the last non-empty line of text into out. */
void aq_last_line(const char *text, char *out, size_t len);

#endif
