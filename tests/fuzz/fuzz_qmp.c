/*
 * libFuzzer target: classifying QMP messages from QEMU.
 */
#include <stdint.h>
#include <stdlib.h>

#include "qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	json_t *v = NULL;
	enum qmp_kind k;

	k = qmp_parse((const char *)data, size, why, sizeof(why), &v);
	if (k == QMP_INVALID && v)
		abort();
	json_decref(v);
	return 0;
}
