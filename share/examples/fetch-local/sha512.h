/*
 * SHA-512 (FIPS 180-4), small and dependency-free, so that the example
 * plugin builds with nothing but a C compiler and aq's header.
 */
#ifndef FETCH_LOCAL_SHA512_H
#define FETCH_LOCAL_SHA512_H

#include <stddef.h>
#include <stdint.h>

struct sha512 {
	uint64_t h[8];
	uint64_t bytes;		/* message length so far (< 2^64 bytes) */
	unsigned char block[128];
	size_t used;
};

void sha512_init(struct sha512 *s);
void sha512_update(struct sha512 *s, const void *data, size_t len);

/* The digest as 128 lowercase hex digits and a NUL. */
void sha512_hex(struct sha512 *s, char out[129]);

#endif
