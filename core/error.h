/*
 * Errors and messages.
 *
 * A function that fails records one message and returns -1:
 *
 *	if (fd < 0)
 *		return aq_error_errno("cannot open '%s'", path);
 *
 * Only main() and the cmd_* functions print the recorded message, as
 * "aq: MESSAGE" on stderr, and turn it into an exit status.  Callers that
 * add context wrap the message already recorded:
 *
 *	if (vm_load(name, &vm) < 0)
 *		return aq_error_wrap("cannot start '%s'", name);
 *
 * gives "cannot start 'web': .../vm.ini:7: unknown key 'mem'".
 * Messages are lowercase, without trailing period or newline.
 */
#ifndef AQ_ERROR_H
#define AQ_ERROR_H

#include <stdarg.h>

#include "aq/plugin.h"

#if defined(__GNUC__)
#define AQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define AQ_PRINTF(f, a)
#endif

/* Exit statuses of aq itself (exec passes the guest's through). */
enum {
	AQ_EXIT_OK = 0,
	AQ_EXIT_FAIL = 1,
	AQ_EXIT_USAGE = 2
};

/* Record a message; return -1. */
int aq_error(const char *fmt, ...) AQ_PRINTF(1, 2);

int aq_verror(const char *fmt, va_list ap);

/* Record a message followed by ": strerror(errno)"; return -1. */
int aq_error_errno(const char *fmt, ...) AQ_PRINTF(1, 2);

/* Prefix the recorded message with "CONTEXT: "; return -1. */
int aq_error_wrap(const char *fmt, ...) AQ_PRINTF(1, 2);

/* The last recorded message (borrowed), "" when none. */
const char *aq_error_last(void);

/* Forget the recorded message. */
void aq_error_clear(void);

/* Print the recorded message as "aq: MESSAGE" and return AQ_EXIT_FAIL. */
int aq_error_report(void);

/* Print "aq: MESSAGE" (usage errors) and return AQ_EXIT_USAGE. */
int aq_usage_error(const char *fmt, ...) AQ_PRINTF(1, 2);

/* Verbosity: -q lowers it, -v and AQ_DEBUG raise it. */
extern int aq_verbosity;

/* Print a message on stderr if the level is shown. */
void aq_log(enum aq_log_level level, const char *fmt, ...) AQ_PRINTF(2, 3);
void aq_vlog(enum aq_log_level level, const char *fmt, va_list ap);

#endif
