/*
 * Small helpers for files, numbers and time shared by the core.
 */
#ifndef AQ_UTIL_H
#define AQ_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"

/* snprintf into out; a truncated result is an error ("path too long"). */
int aq_path(char *out, size_t len, const char *fmt, ...) AQ_PRINTF(3, 4);

/* mkdir -p with the given mode for every directory it creates. */
int aq_mkdir_p(const char *path, mode_t mode);

/* Read a whole file (at most AQ_BUF_CAP bytes) into out, appended. */
int aq_read_file(const char *path, struct aq_buf *out);

/*
 * Write data to path through a temporary file in the same directory and
 * rename(), so readers see the old or the new contents, never a mix.
 */
int aq_write_file_atomic(const char *path, const char *data, size_t len,
			 mode_t mode);

/* rm -rf; a missing path is not an error. */
int aq_rm_rf(const char *path);

/* 1 if path exists (any type), 0 otherwise. */
int aq_exists(const char *path);

/* Parse a decimal integer in [min, max]; the whole string must match. */
int aq_parse_long(const char *s, long min, long max, long *out);

/*
 * Parse a size like "512M", "2G", "1.5G", "1024K", "10GiB" into bytes.
 * A bare number is taken in units of bare_unit bytes.
 */
int aq_parse_size(const char *s, long long bare_unit, long long *out);

/* Format bytes for humans: "512M", "2G", "1.5G". */
void aq_format_size(long long bytes, char *out, size_t len);

/* Milliseconds on a monotonic clock. */
long long aq_now_ms(void);

/* Sleep for ms milliseconds (restarted after signals). */
void aq_sleep_ms(long ms);

/* The current UTC time as "2026-12-03T11:54:19Z". */
void aq_time_iso(char *out, size_t len);

/*
 * Check a name of aq's own things (VMs, snapshot tags):
 * [a-z0-9][a-z0-9-]*, at most max characters.  what says what it names
 * in messages: "VM name", "snapshot tag".
 */
int aq_name_valid(const char *what, const char *name, size_t max);

/*
 * The entries of dir that valid() accepts, sorted, as a NULL-terminated
 * array the caller frees with aq_names_free().  Dot entries are skipped:
 * they are things being made or removed.
 */
int aq_list_names(const char *dir, int (*valid)(const char *),
		  char ***names, size_t *count);
void aq_names_free(char **names);

/* Find an executable in PATH; 0 and its path in out, or -1. */
int aq_which(const char *name, char *out, size_t len);

/* Strip trailing whitespace in place. */
void aq_rtrim(char *s);

#endif
