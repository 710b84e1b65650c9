/*
 * Quoting for the two languages ssh puts between aq and the guest: the
 * remote shell that runs a command line, and ssh's own option syntax
 * (`-o Key=value` and ssh_config files), which splits on whitespace and
 * expands %-tokens and ${VAR} in paths.
 */
#ifndef EXEC_QUOTE_H
#define EXEC_QUOTE_H

#include <stddef.h>

/*
 * Join argv into one POSIX shell command line, each word in single
 * quotes (a ' inside becomes '\''), separated by spaces, so the guest's
 * shell hands the program exactly these words.  Returns a malloc'd
 * string, or NULL when memory runs out.  argc 0 gives "".
 */
char *exec_shell_join(int argc, const char *const argv[]);

/*
 * Write value as one ssh config argument: in double quotes, '"' and '\'
 * escaped with '\', '%' doubled.  Returns 0, or -1 when it does not fit
 * in len bytes or holds what ssh cannot take literally (a line break, or
 * "${", which ssh expands with no way to escape it).
 */
int exec_config_quote(const char *value, char *out, size_t len);

#endif
