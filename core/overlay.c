/*
 * The overlay archive.  The work is done by aq's archive module
 * (core/modules/archive.c, libarchive), loaded only when an image has an
 * overlay: linking libarchive into aq itself would slow every command.
 */
#include <stddef.h>

#include "module.h"
#include "overlay.h"
#include "banned.h"

int overlay_build(const struct image_overlay *overlays, size_t n,
		  struct aq_buf *out)
{
	int (*fn)(const struct image_overlay *, size_t, struct aq_buf *);

	if (aq_module_fn("archive", "aqmod_overlay_build", (void **)&fn) < 0)
		return -1;
	return fn(overlays, n, out);
}
