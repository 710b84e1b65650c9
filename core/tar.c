/*
 * Reading and writing tar headers (see tar.h).
 */
#include <stdio.h>
#include <string.h>

#include "tar.h"
#include "banned.h"

#define TAR_NAME 100
#define TAR_PREFIX 155

static int tar_fail(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
	return -1;
}

/* An octal field, or GNU's base-256 when the top bit is set. */
static int tar_number(const unsigned char *f, size_t len, long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return -1;
		v = f[0] & 0x3f;
		for (i = 1; i < len; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | f[i];
		}
		*out = (long long)v;
		return 0;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (unsigned)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = (long long)v;
	return 0;
}

static void tar_field(char *out, size_t outlen, const unsigned char *f,
		      size_t len)
{
	size_t n = 0;

	while (n < len && f[n])
		n++;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, f, n);
	out[n] = '\0';
}

static int tar_checksum_ok(const unsigned char *b)
{
	long long want;
	unsigned long u = 0;
	long s = 0;

	if (tar_number(b + 148, 8, &want) < 0)
		return 0;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : b[i];

		u += c;
		s += (signed char)c;
	}
	return (long long)u == want || (long long)s == want;
}

int tar_header_parse(const unsigned char b[TAR_BLOCK], struct tar_header *h,
		     char *why, size_t whylen)
{
	char name[TAR_NAME + 1], prefix[TAR_PREFIX + 1];
	long long mode;
	size_t i;

	for (i = 0; i < TAR_BLOCK && !b[i]; i++)
		;
	if (i == TAR_BLOCK)
		return 1;
	if (!tar_checksum_ok(b))
		return tar_fail(why, whylen, "bad header checksum");
	memset(h, 0, sizeof(*h));
	if (tar_number(b + 100, 8, &mode) < 0 ||
	    tar_number(b + 124, 12, &h->size) < 0 ||
	    tar_number(b + 136, 12, &h->mtime) < 0)
		return tar_fail(why, whylen, "bad number in header");
	h->mode = (unsigned int)mode & 07777;
	h->type = b[156] ? (char)b[156] : TAR_FILE;
	tar_field(name, sizeof(name), b, TAR_NAME);
	tar_field(h->link, sizeof(h->link), b + 157, TAR_NAME);
	/* Only POSIX ustar has a prefix; old GNU keeps times there. */
	if (!memcmp(b + 257, "ustar\0", 6) && b[345]) {
		tar_field(prefix, sizeof(prefix), b + 345, TAR_PREFIX);
		snprintf(h->name, sizeof(h->name), "%s/%s", prefix, name);
	} else {
		snprintf(h->name, sizeof(h->name), "%s", name);
	}
	return 0;
}

int tar_pax_apply(const char *data, size_t len, struct tar_header *h,
		  char *why, size_t whylen)
{
	size_t off = 0;

	while (off < len) {
		size_t n = 0, i = off, klen;
		const char *key, *eq, *val, *end;

		while (i < len && data[i] >= '0' && data[i] <= '9' && n < len)
			n = n * 10 + (size_t)(data[i++] - '0');
		if (i >= len || data[i] != ' ' || n < i - off + 2 ||
		    n > len - off)
			return tar_fail(why, whylen, "bad pax record");
		key = data + i + 1;
		end = data + off + n - 1;
		if (*end != '\n')
			return tar_fail(why, whylen, "bad pax record");
		eq = memchr(key, '=', (size_t)(end - key));
		if (!eq)
			return tar_fail(why, whylen, "bad pax record");
		klen = (size_t)(eq - key);
		val = eq + 1;
		if ((klen == 4 && !memcmp(key, "path", 4)) ||
		    (klen == 8 && !memcmp(key, "linkpath", 8))) {
			char *dst = klen == 4 ? h->name : h->link;
			size_t vlen = (size_t)(end - val);

			if (vlen >= AQ_PATH_MAX || memchr(val, '\0', vlen))
				return tar_fail(why, whylen, "bad pax path");
			memcpy(dst, val, vlen);
			dst[vlen] = '\0';
		} else if (klen == 4 && !memcmp(key, "size", 4)) {
			long long v = 0;

			for (const char *p = val; p < end; p++) {
				if (*p < '0' || *p > '9' || v > (1LL << 50))
					return tar_fail(why, whylen,
							"bad pax size");
				v = v * 10 + (*p - '0');
			}
			h->size = v;
		}
		off += n;
	}
	return 0;
}

static void tar_octal(unsigned char *f, size_t len, unsigned long long v)
{
	/* len - 1 digits and a NUL; a value too big is cut (sizes fit). */
	f[len - 1] = '\0';
	for (size_t i = len - 1; i-- > 0;) {
		f[i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

static void tar_size(unsigned char *f, long long size)
{
	unsigned long long v = (unsigned long long)size;

	if (v < (1ULL << 33)) {
		tar_octal(f, 12, v);
		return;
	}
	for (int i = 11; i > 0; i--) {
		f[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	f[0] = 0x80;
}

static void tar_block(unsigned char *b, const char *name, const char *link,
		      char type, unsigned int mode, long long size,
		      long long mtime)
{
	size_t n = strlen(name), split = 0;
	unsigned long sum = 0;

	memset(b, 0, TAR_BLOCK);
	if (n > TAR_NAME) {
		/* ustar: prefix "/" name, split at a slash. */
		for (size_t i = n - 1; i > 0; i--)
			if (name[i] == '/' && i <= TAR_PREFIX &&
			    n - i - 1 <= TAR_NAME && n - i - 1 > 0) {
				split = i;
				break;
			}
	}
	if (split) {
		memcpy(b + 345, name, split);
		memcpy(b, name + split + 1, n - split - 1);
	} else {
		memcpy(b, name, n < TAR_NAME ? n : TAR_NAME);
	}
	tar_octal(b + 100, 8, mode & 07777);
	tar_octal(b + 108, 8, 0);
	tar_octal(b + 116, 8, 0);
	tar_size(b + 124, size);
	tar_octal(b + 136, 12, mtime > 0 ? (unsigned long long)mtime : 0);
	b[156] = (unsigned char)type;
	if (link)
		memcpy(b + 157, link, strlen(link) < TAR_NAME ? strlen(link) :
		       TAR_NAME);
	memcpy(b + 257, "ustar\0" "00", 8);
	memcpy(b + 265, "root", 4);
	memcpy(b + 297, "root", 4);
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	tar_octal(b + 148, 7, sum);
	b[155] = ' ';
}

static int tar_fits(const char *name)
{
	size_t n = strlen(name);

	if (n <= TAR_NAME)
		return 1;
	for (size_t i = n - 1; i > 0; i--)
		if (name[i] == '/' && i <= TAR_PREFIX && n - i - 1 <= TAR_NAME &&
		    n - i - 1 > 0)
			return 1;
	return 0;
}

/* A GNU long-name record: its header and the name in one data block. */
static size_t tar_long(unsigned char *out, char type, const char *value)
{
	size_t n = strlen(value) + 1;
	size_t blocks = (n + TAR_BLOCK - 1) / TAR_BLOCK;

	tar_block(out, "././@LongLink", NULL, type, 0644, (long long)n, 0);
	memset(out + TAR_BLOCK, 0, blocks * TAR_BLOCK);
	memcpy(out + TAR_BLOCK, value, n);
	return 1 + blocks;
}

int tar_header_make(unsigned char *out, size_t *nblocks, const char *name,
		    const char *link, char type, unsigned int mode,
		    long long size, long long mtime)
{
	size_t k = 0;

	/* Each long record takes at most 1 + AQ_PATH_MAX / 512 blocks. */
	if (strlen(name) >= 2 * TAR_BLOCK ||
	    (link && strlen(link) >= 2 * TAR_BLOCK))
		return -1;
	if (link && strlen(link) > TAR_NAME)
		k += tar_long(out + k * TAR_BLOCK, TAR_GNU_LONGLINK, link);
	if (!tar_fits(name))
		k += tar_long(out + k * TAR_BLOCK, TAR_GNU_LONGNAME, name);
	tar_block(out + k * TAR_BLOCK, name, link, type, mode, size, mtime);
	*nblocks = k + 1;
	return 0;
}

int tar_name_clean(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	if (*p == '/')
		return -1;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n && !(n == 1 && p[0] == '.')) {
			if (o + n + 2 > len)
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (!o)
		return -1;
	out[o] = '\0';
	return 0;
}

size_t tar_padding(long long size)
{
	return (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
}
