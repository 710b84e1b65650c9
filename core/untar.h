/*
 * Extracting a tar stream that comes from a guest (aq cp), which is not
 * trusted: every entry must lie under one top-level name, which may be
 * written under another; names with ".." or a leading "/" are refused;
 * directories are walked without following symlinks, so no entry is
 * written through a link the archive made; regular files, directories,
 * symlinks and hard links (to entries inside) are made, anything else
 * is skipped with a warning.  Modes are kept without setuid and setgid;
 * directory modes are set once everything is in.
 */
#ifndef AQ_UNTAR_H
#define AQ_UNTAR_H

#include <stddef.h>

#include "aq/plugin.h"

struct untar {
	int root;			/* the directory extracted into */
	char from[256];			/* the archive's top name ... */
	char to[256];			/* ... is written as this */
	char (*dirs)[AQ_PATH_MAX];	/* modes to set at the end */
	unsigned int *modes;
	size_t ndirs;
};

/* An empty extractor, safe to untar_close(). */
void untar_init(struct untar *u);

/*
 * Extract into directory dir; entries named from or from/... become to
 * or to/....  from and to are single path components.
 */
int untar_open(struct untar *u, const char *dir, const char *from,
	       const char *to);

/*
 * Read an archive from fd up to its end marker (an empty stream is an
 * empty archive) and extract it.  Errors name the entry.
 */
int untar_extract(struct untar *u, int fd);

void untar_close(struct untar *u);

#endif
