/*
 * Names on an Alpine mirror: release versions, cloud image file names,
 * the URLs built from them, and the .sha512 sidecar beside each file.
 * Everything that ends up in a path or a URL is checked here first, so
 * a hostile release list cannot name a file outside the cache.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror.h"

#define NAMES_PREFIX "nocloud_alpine-"
#define NAMES_SUFFIX ".qcow2"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int names_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int names_print(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int names_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int names_is_hex(char c)
{
	return names_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int names_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int fetch_digest_valid(const char *s)
{
	size_t i;

	for (i = 0; i < AQ_DIGEST_HEX - 1; i++)
		if (!names_is_hex(s[i]))
			return 0;
	return s[i] == '\0';
}

/* The last path component of the name in a sidecar line. */
static const char *names_base(const char *s, size_t len, size_t *blen)
{
	const char *slash = NULL;
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '/')
			slash = s + i;
	if (!slash) {
		*blen = len;
		return s;
	}
	*blen = len - (size_t)(slash + 1 - s);
	return slash + 1;
}

/* Check the "  NAME" after a digest against file. */
static int names_sidecar_file(const char *s, size_t len, const char *file,
			      char *err, size_t errlen)
{
	const char *base;
	size_t blen;

	while (len && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		len--;
	}
	if (len && s[0] == '*') {
		s++;
		len--;
	}
	while (len && names_is_space(s[len - 1]))
		len--;
	if (len == 0 || !file)
		return 0;
	if (memchr(s, '\0', len))
		return names_fail(err, errlen, "the file name is not text");
	base = names_base(s, len, &blen);
	if (blen != strlen(file) || memcmp(base, file, blen) != 0)
		return names_fail(err, errlen, "it is the digest of '%.*s', "
				  "not of '%s'", (int)(blen > 200 ? 200 : blen),
				  base, file);
	return 0;
}

int fetch_sidecar_parse(const char *data, size_t len, const char *file,
			char digest[AQ_DIGEST_HEX], char *err, size_t errlen)
{
	const char *eol;
	size_t n = 0, i, line;

	while (n < len && names_is_space(data[n]))
		n++;
	data += n;
	len -= n;
	if (len == 0)
		return names_fail(err, errlen, "it is empty");
	eol = memchr(data, '\n', len);
	line = eol ? (size_t)(eol - data) : len;
	for (i = line; i < len; i++)
		if (!names_is_space(data[i]))
			return names_fail(err, errlen, "it has more than one "
					  "line");
	for (n = 0; n < line && names_is_hex(data[n]); n++)
		;
	if (n != AQ_DIGEST_HEX - 1 ||
	    (n < line && !names_is_space(data[n])))
		return names_fail(err, errlen, "it does not start with a "
				  "sha512 digest (128 hex digits)");
	if (names_sidecar_file(data + n, line - n, file, err, errlen) < 0)
		return -1;
	for (i = 0; i < n; i++)
		digest[i] = (data[i] >= 'A' && data[i] <= 'F') ?
			    (char)(data[i] - 'A' + 'a') : data[i];
	digest[n] = '\0';
	return 0;
}

/* Skip the digits at *s; return how many there were. */
static size_t names_digits(const char **s)
{
	size_t n = 0;

	while (names_is_digit((*s)[n]))
		n++;
	*s += n;
	return n;
}

int fetch_version_valid(const char *s)
{
	const char *p = s;
	size_t i;

	if (names_digits(&p) == 0 || *p++ != '.' || names_digits(&p) == 0)
		return 0;
	for (i = 0; s[i]; i++) {
		if (i >= 31)
			return 0;
		if (!names_is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'z') &&
		    s[i] != '.' && s[i] != '_')
			return 0;
		if (s[i] == '.' && (s[i + 1] == '.' || s[i + 1] == '\0'))
			return 0;
	}
	return 1;
}

int fetch_version_branch(const char *version, char *buf, size_t len)
{
	const char *p = version;
	size_t major, minor;

	if (!fetch_version_valid(version))
		return -1;
	major = names_digits(&p);
	p++;
	minor = names_digits(&p);
	return names_print(buf, len, "v%.*s.%.*s", (int)major, version,
			   (int)minor, version + major + 1);
}

/* Compare two runs of digits as numbers, whatever their length. */
static int names_cmp_number(const char *a, size_t alen, const char *b,
			    size_t blen)
{
	while (alen > 1 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 1 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

int fetch_version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		const char *na = a, *nb = b;
		size_t la = names_digits(&a), lb = names_digits(&b);
		int c;

		if (la && lb) {
			c = names_cmp_number(na, la, nb, lb);
			if (c)
				return c;
			continue;
		}
		if (la || lb)
			return la ? 1 : -1;
		if (*a != *b) {
			/* "." continues a release; anything else is a suffix */
			if (*a == '.' || *b == '.')
				return *a == '.' ? 1 : -1;
			return *a < *b ? -1 : 1;
		}
		a++;
		b++;
	}
	if (*a == *b)
		return 0;
	/* "3.24.0_rc1" sorts before "3.24.0", "3.24.0.1" after it */
	if (*a)
		return *a == '.' ? 1 : -1;
	return *b == '.' ? -1 : 1;
}

int fetch_token_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i >= 31)
			return 0;
		if (!names_is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'z') &&
		    s[i] != '_')
			return 0;
	}
	return i > 0;
}

/* The length of mirror without trailing slashes, short of its "://". */
static int names_mirror_len(const char *mirror)
{
	const char *scheme = strstr(mirror, "://");
	size_t len = strlen(mirror);
	size_t min = scheme ? (size_t)(scheme - mirror) + 3 : 1;

	while (len > min && mirror[len - 1] == '/')
		len--;
	return len > 2048 ? -1 : (int)len;
}

int fetch_releases_url(char *buf, size_t len, const char *mirror,
		       const char *arch)
{
	int mlen = names_mirror_len(mirror);

	if (mlen <= 0 || !fetch_token_valid(arch))
		return -1;
	return names_print(buf, len, "%.*s/latest-stable/releases/%s/"
			   "latest-releases.yaml", mlen, mirror, arch);
}

int fetch_image_name(char *buf, size_t len, const char *version,
		     const char *arch, const char *firmware,
		     const char *variant, int build)
{
	if (!fetch_version_valid(version) || !fetch_token_valid(arch) ||
	    !fetch_token_valid(firmware) || !fetch_token_valid(variant) ||
	    build < 0 || build >= FETCH_BUILD_MAX)
		return -1;
	return names_print(buf, len, NAMES_PREFIX "%s-%s-%s-%s-r%d"
			   NAMES_SUFFIX, version, arch, firmware, variant,
			   build);
}

int fetch_image_url(char *buf, size_t len, const char *mirror,
		    const char *branch, const char *name)
{
	int mlen = names_mirror_len(mirror);

	if (mlen <= 0 || !branch[0] || strchr(branch, '/') ||
	    !name[0] || strchr(name, '/'))
		return -1;
	return names_print(buf, len, "%.*s/%s/releases/cloud/%s", mlen,
			   mirror, branch, name);
}

int fetch_image_name_version(const char *name, char *version, size_t vlen)
{
	char v[32];
	const char *p, *dash;
	size_t n;

	if (strncmp(name, NAMES_PREFIX, strlen(NAMES_PREFIX)) != 0)
		return -1;
	p = name + strlen(NAMES_PREFIX);
	dash = strchr(p, '-');
	n = dash ? (size_t)(dash - p) : 0;
	if (n == 0 || n >= sizeof(v) || n >= vlen)
		return -1;
	memcpy(v, p, n);
	v[n] = '\0';
	if (!fetch_version_valid(v))
		return -1;
	memcpy(version, v, n + 1);
	return 0;
}

int fetch_image_name_parse(const char *name, const char *arch,
			   const char *firmware, const char *variant,
			   char *version, size_t vlen, int *build)
{
	char v[32], tail[128];
	const char *p, *dash;
	size_t n;
	int b;

	if (fetch_image_name_version(name, v, sizeof(v)) < 0 ||
	    names_print(tail, sizeof(tail), "-%s-%s-%s-r", arch, firmware,
			variant) < 0)
		return -1;
	dash = name + strlen(NAMES_PREFIX) + strlen(v);
	if (strncmp(dash, tail, strlen(tail)) != 0)
		return -1;
	p = dash + strlen(tail);
	n = names_digits(&p);
	if (n == 0 || n > 2 || (n == 2 && p[-2] == '0') ||
	    strcmp(p, NAMES_SUFFIX) != 0)
		return -1;
	b = (int)strtol(p - n, NULL, 10);
	if (b >= FETCH_BUILD_MAX || strlen(v) >= vlen)
		return -1;
	memcpy(version, v, strlen(v) + 1);
	*build = b;
	return 0;
}
