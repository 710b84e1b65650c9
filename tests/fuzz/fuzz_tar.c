/*
 * libFuzzer target: tar headers, pax records and entry names from a
 * guest's tar stream (aq cp).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char b[TAR_BLOCK];
	struct tar_header h;
	char why[128], out[AQ_PATH_MAX];
	char *copy;

	memset(b, 0, sizeof(b));
	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	if (tar_header_parse(b, &h, why, sizeof(why)) == 0) {
		if (strlen(h.name) >= sizeof(h.name) || h.size < 0)
			abort();
		if (tar_name_clean(h.name, out, sizeof(out)) == 0 &&
		    (out[0] == '/' || strstr(out, "../") ||
		     !strcmp(out, "..")))
			abort();
	}
	memset(&h, 0, sizeof(h));
	tar_pax_apply((const char *)data, size, &h, why, sizeof(why));
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (tar_name_clean(copy, out, sizeof(out)) == 0 &&
	    (out[0] == '/' || !strncmp(out, "../", 3) || strstr(out, "/../") ||
	     !strcmp(out, "..") || strstr(out, "//")))
		abort();
	free(copy);
	return 0;
}
