/*
 * libFuzzer target: INI text read against vm.ini's schema shape.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct aq_ini_key schema[] = {
	{ "vm", "name", 0 },
	{ "vm", "forward", AQ_INI_MULTI },
	{ "defaults", "cpus", 0 },
	{ NULL, NULL, 0 }
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aq_ini ini = AQ_INI_INIT;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (aq_ini_parse(text, "fuzz.ini", schema, &ini) == 0) {
		aq_ini_get(&ini, "vm", "name");
		aq_ini_release(&ini);
	} else if (ini.n != 0) {
		abort();
	}
	free(text);
	return 0;
}
