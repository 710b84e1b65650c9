/*
 * File, number and time helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

int aq_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return aq_error("path too long: '%.60s...'", out);
	return 0;
}

int aq_mkdir_p(const char *path, mode_t mode)
{
	char tmp[AQ_PATH_MAX];
	char *p;

	if (aq_path(tmp, sizeof(tmp), "%s", path) < 0)
		return -1;
	for (p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return aq_error_errno("cannot create directory '%s'",
					      tmp);
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int aq_read_file(const char *path, struct aq_buf *out)
{
	char chunk[8192];
	int fd, ret = -1;
	ssize_t n;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return aq_error_errno("cannot read '%s'", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			aq_error_errno("cannot read '%s'", path);
			goto out;
		}
		if (aq_buf_add(out, chunk, (size_t)n) < 0)
			goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int aq_write_file_atomic(const char *path, const char *data, size_t len,
			 mode_t mode)
{
	char tmp[AQ_PATH_MAX];
	int fd;

	if (aq_path(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return aq_error_errno("cannot write '%s'", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		aq_error_errno("cannot write '%s'", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		aq_error_errno("cannot write '%s'", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int aq_rm_rf(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : aq_error_errno("cannot remove '%s'",
							     path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return aq_error_errno("cannot remove '%s'", path);
		return 0;
	}
	dir = opendir(path);
	if (!dir)
		return aq_error_errno("cannot remove '%s'", path);
	while ((de = readdir(dir))) {
		char child[AQ_PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (aq_path(child, sizeof(child), "%s/%s", path,
			    de->d_name) < 0 || aq_rm_rf(child) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(dir);
	if (ret == 0 && rmdir(path) < 0 && errno != ENOENT)
		ret = aq_error_errno("cannot remove '%s'", path);
	return ret;
}

int aq_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int aq_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == ' ' || *s == '+')
		return aq_error("'%s' is not a number", s ? s : "");
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return aq_error("'%s' is not a number", s);
	if (v < min || v > max)
		return aq_error("%ld is out of range (%ld to %ld)", v, min,
				max);
	*out = v;
	return 0;
}

int aq_parse_size(const char *s, long long bare_unit, long long *out)
{
	char *end;
	double v;
	long long unit;

	if (!s || !*s || !(*s >= '0' && *s <= '9'))
		return aq_error("'%s' is not a size", s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return aq_error("'%s' is not a size", s);
	switch (*end) {
	case '\0': unit = bare_unit; break;
	case 'k': case 'K': unit = 1LL << 10; end++; break;
	case 'm': case 'M': unit = 1LL << 20; end++; break;
	case 'g': case 'G': unit = 1LL << 30; end++; break;
	case 't': case 'T': unit = 1LL << 40; end++; break;
	default:
		return aq_error("'%s' is not a size (use K, M, G or T)", s);
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end)
		return aq_error("'%s' is not a size (use K, M, G or T)", s);
	if (v * (double)unit > 1e18)
		return aq_error("size '%s' is too large", s);
	*out = (long long)(v * (double)unit);
	if (*out <= 0)
		return aq_error("size '%s' is too small", s);
	return 0;
}

void aq_format_size(long long bytes, char *out, size_t len)
{
	static const char units[] = "BKMGT";
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%lldB", bytes);
	else if (v == (double)(long long)v)
		snprintf(out, len, "%lld%c", (long long)v, units[u]);
	else
		snprintf(out, len, "%.1f%c", v, units[u]);
}

long long aq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void aq_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void aq_time_iso(char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void aq_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		s[--n] = '\0';
}

int aq_which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");
		int w = snprintf(out, len, "%.*s/%s", (int)n, path, name);

		if (w > 0 && (size_t)w < len && access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

int aq_name_valid(const char *what, const char *name, size_t max)
{
	size_t len = strlen(name);

	if (len == 0)
		return aq_error("%s is empty", what);
	if (len > max)
		return aq_error("%s '%.20s...' is longer than %zu characters",
				what, name, max);
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return aq_error("invalid %s '%s': it must start with a "
				"lowercase letter or digit", what, name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return aq_error("invalid %s '%s': use lowercase "
					"letters, digits and '-'", what, name);
	return 0;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int aq_list_names(const char *dir, int (*valid)(const char *),
		  char ***names, size_t *count)
{
	char **v = calloc(1, sizeof(*v));
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!v)
		return aq_error("out of memory");
	d = opendir(dir);
	if (!d) {
		free(v);
		return aq_error_errno("cannot list '%s'", dir);
	}
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.' || valid(de->d_name) < 0)
			continue;
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (grown)
			v = grown;
		if (!grown || !(v[n] = strdup(de->d_name))) {
			closedir(d);
			aq_names_free(v);
			return aq_error("out of memory");
		}
		v[++n] = NULL;
	}
	closedir(d);
	/* valid() recorded why it refused the names it skipped. */
	aq_error_clear();
	qsort(v, n, sizeof(*v), names_cmp);
	*names = v;
	*count = n;
	return 0;
}

void aq_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}
