/*
 * libFuzzer target: port forward specifications.  A spec that parses
 * must format to a spec that parses to the same forward.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aq_forward f, g;
	char *spec = malloc(size + 1);
	char out[160];

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (aq_portspec_parse(spec, &f) == 0) {
		if (aq_portspec_format(&f, out, sizeof(out)) != 0 ||
		    aq_portspec_parse(out, &g) != 0 ||
		    f.host_port != g.host_port || f.guest_port != g.guest_port ||
		    strcmp(f.proto, g.proto) || strcmp(f.host_addr, g.host_addr))
			abort();
	}
	free(spec);
	return 0;
}
