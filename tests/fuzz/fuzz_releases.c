/*
 * libFuzzer target: the fetch-curl plugin's latest-releases.yaml parser,
 * which reads whatever a mirror (or something posing as one) serves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_release r;
	char err[512];
	char name[256];

	if (fetch_releases_parse((const char *)data, size, "x86_64", &r, err,
				 sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)))
			__builtin_trap();
		return 0;
	}
	/* what the plugin does next with an accepted release */
	if (!fetch_version_valid(r.version) || r.branch[0] != 'v' ||
	    fetch_image_name(name, sizeof(name), r.version, "x86_64", "bios",
			     "tiny", 0) < 0 || strchr(r.version, '/'))
		__builtin_trap();
	return 0;
}
