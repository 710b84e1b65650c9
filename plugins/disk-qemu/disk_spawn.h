/*
 * Running a program and keeping its output: host->run discards stdout,
 * and `qemu-img info` answers on stdout.
 */
#ifndef DISK_SPAWN_H
#define DISK_SPAWN_H

#include <stddef.h>

/*
 * Run argv (argv[0] searched in PATH, stdin from /dev/null) and wait.
 * On exit status 0..255 returns it and sets *out to its stdout (malloc'd,
 * NUL-terminated, *outlen bytes, at most 1 MiB kept) and errline to the
 * last non-empty line of its stderr.  Returns -1 with the reason in
 * errline when it could not run or died by a signal.
 */
int disk_capture(const char *const argv[], char **out, size_t *outlen,
		 char *errline, size_t errlen);

#endif
