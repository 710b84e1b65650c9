/*
 * The one recorded error message, and leveled logging to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

#define AQ_ERROR_MAX 2048

static char error_buf[AQ_ERROR_MAX];
int aq_verbosity = AQ_LOG_INFO;

int aq_verror(const char *fmt, va_list ap)
{
	vsnprintf(error_buf, sizeof(error_buf), fmt, ap);
	return -1;
}

int aq_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aq_verror(fmt, ap);
	va_end(ap);
	return -1;
}

int aq_error_errno(const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_buf, sizeof(error_buf), fmt, ap);
	va_end(ap);
	len = strlen(error_buf);
	snprintf(error_buf + len, sizeof(error_buf) - len, ": %s",
		 strerror(saved));
	errno = saved;
	return -1;
}

int aq_error_wrap(const char *fmt, ...)
{
	char prefix[AQ_ERROR_MAX];
	char old[AQ_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, error_buf, sizeof(old));
	if (old[0])
		snprintf(error_buf, sizeof(error_buf), "%s: %s", prefix, old);
	else
		snprintf(error_buf, sizeof(error_buf), "%s", prefix);
	return -1;
}

const char *aq_error_last(void)
{
	return error_buf;
}

void aq_error_clear(void)
{
	error_buf[0] = '\0';
}

int aq_error_report(void)
{
	fprintf(stderr, "aq: %s\n",
		error_buf[0] ? error_buf : "unknown error");
	error_buf[0] = '\0';
	return AQ_EXIT_FAIL;
}

int aq_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("aq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return AQ_EXIT_USAGE;
}

void aq_vlog(enum aq_log_level level, const char *fmt, va_list ap)
{
	if ((int)level < aq_verbosity && level != AQ_LOG_WARN)
		return;
	fputs(level == AQ_LOG_WARN ? "aq: warning: " : "aq: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void aq_log(enum aq_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aq_vlog(level, fmt, ap);
	va_end(ap);
}
