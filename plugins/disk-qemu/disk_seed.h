/*
 * The NoCloud seed: an ISO 9660 image (Rock Ridge and Joliet) written
 * with libarchive.
 */
#ifndef DISK_SEED_H
#define DISK_SEED_H

#include <stddef.h>

#include "aq/plugin.h"

/*
 * Write files into a new ISO image at path with volume label label,
 * through path.tmp and a rename, so path is either the old file or the
 * complete new one.  Fails through host->error.
 */
int disk_seed_write(const struct aq_host *host, const char *path,
		    const char *label, const struct aq_seed_file *files,
		    size_t nfiles);

#endif
