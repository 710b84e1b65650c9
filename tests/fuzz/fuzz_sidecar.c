/*
 * libFuzzer target: the fetch-curl plugin's .sha512 sidecar parser, the
 * image-name parser it uses on cache directory entries, and the version
 * order that picks the newest cached image.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_name(const uint8_t *data, size_t size)
{
	char name[300], version[32], again[300];
	int build;

	if (size >= sizeof(name))
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	if (fetch_image_name_parse(name, "x86_64", "bios", "tiny", version,
				   sizeof(version), &build) < 0)
		return;
	/* a parsed name must be exactly what the builder writes */
	if (fetch_image_name(again, sizeof(again), version, "x86_64", "bios",
			     "tiny", build) < 0 || strcmp(again, name) != 0 ||
	    fetch_version_cmp(version, version) != 0)
		__builtin_trap();
}

static int fuzz_sign(int c)
{
	return (c > 0) - (c < 0);
}

/* Two versions separated by a space must order consistently. */
static void fuzz_versions(const uint8_t *data, size_t size)
{
	char a[64], b[64];
	const uint8_t *sp = memchr(data, ' ', size);
	size_t alen, blen;

	if (!sp)
		return;
	alen = (size_t)(sp - data);
	blen = size - alen - 1;
	if (alen >= sizeof(a) || blen >= sizeof(b))
		return;
	memcpy(a, data, alen);
	a[alen] = '\0';
	memcpy(b, sp + 1, blen);
	b[blen] = '\0';
	if (!fetch_version_valid(a) || !fetch_version_valid(b))
		return;
	if (fuzz_sign(fetch_version_cmp(a, b)) !=
	    -fuzz_sign(fetch_version_cmp(b, a)) ||
	    (fetch_version_cmp(a, b) == 0 && fetch_version_cmp(a, a) != 0))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char digest[AQ_DIGEST_HEX], err[256];

	if (fetch_sidecar_parse((const char *)data, size, "a.qcow2", digest,
				err, sizeof(err)) == 0 &&
	    !fetch_digest_valid(digest))
		__builtin_trap();
	fuzz_name(data, size);
	fuzz_versions(data, size);
	return 0;
}
