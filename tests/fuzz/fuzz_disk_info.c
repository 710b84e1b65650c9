/*
 * Fuzz the disk plugin's reader of `qemu-img info --output=json`: any
 * input is refused or gives a positive size, and never crashes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	long long v = -7;

	if (disk_info_parse((const char *)data, size, &v, err,
			    sizeof(err)) == 0) {
		if (v <= 0)
			abort();
	} else if (v != -7 || memchr(err, '\0', sizeof(err)) == NULL) {
		abort();
	}
	return 0;
}
