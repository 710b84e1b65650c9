/*
 * The overlay archive of an image: all its overlays, in order, as one
 * gzip'd tar that the first-boot script unpacks onto the guest's root.
 *
 * A directory overlay contributes its files and symlinks with their modes
 * (git keeps only the executable bit), owned by root; its directories
 * come into being through their contents, so that an existing directory
 * of the guest (/root, /etc) keeps its mode, and only an empty one gets
 * an entry of its own.  An apkovl-style .tar.gz contributes its entries
 * as they are, modes and owners included.  Either way no entry may be
 * absolute or climb out with "..".
 */
#ifndef AQ_OVERLAY_H
#define AQ_OVERLAY_H

#include <stddef.h>

#include "buf.h"
#include "image.h"

int overlay_build(const struct image_overlay *overlays, size_t n,
		  struct aq_buf *out);

#endif
