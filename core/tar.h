/*
 * The tar format, as far as aq cp needs it: ustar headers with GNU long
 * names (what busybox tar writes and reads) and pax path records, and
 * a check that an entry's name stays inside the directory it is
 * extracted into.  Pure: no I/O here, so unit and fuzz tests link this
 * file alone.
 */
#ifndef AQ_TAR_H
#define AQ_TAR_H

#include <stddef.h>

#include "aq/plugin.h"

#define TAR_BLOCK 512
/* The most blocks tar_header_make() writes for one entry. */
#define TAR_HEADER_BLOCKS 7

enum tar_type {
	TAR_FILE = '0',
	TAR_HARDLINK = '1',
	TAR_SYMLINK = '2',
	TAR_DIR = '5',
	TAR_GNU_LONGNAME = 'L',
	TAR_GNU_LONGLINK = 'K',
	TAR_PAX = 'x',
	TAR_PAX_GLOBAL = 'g'
};

struct tar_header {
	char name[AQ_PATH_MAX];
	char link[AQ_PATH_MAX];
	char type;		/* enum tar_type, or another typeflag */
	unsigned int mode;	/* permission bits, 07777 */
	long long size;		/* bytes of data after the header */
	long long mtime;
};

/*
 * Read one header block.  Returns 0 and *h, 1 for an all-zero block (the
 * end of the archive), or -1 with a reason in why: bad checksum, bad
 * number, not a tar header.
 */
int tar_header_parse(const unsigned char b[TAR_BLOCK], struct tar_header *h,
		     char *why, size_t whylen);

/*
 * Apply a pax extended header's records (path, linkpath, size) to h.
 * Returns -1 with a reason when a record is malformed.
 */
int tar_pax_apply(const char *data, size_t len, struct tar_header *h,
		  char *why, size_t whylen);

/*
 * Make the header block(s) for an entry: a GNU long-name record first
 * when name or link do not fit ustar.  out must hold TAR_HEADER_BLOCKS
 * blocks; *nblocks gets how many were written.  Returns -1 when a name
 * is 1024 bytes or longer.
 */
int tar_header_make(unsigned char *out, size_t *nblocks, const char *name,
		    const char *link, char type, unsigned int mode,
		    long long size, long long mtime);

/*
 * The entry name in as a clean relative path: no leading "/" or "./",
 * no empty, "." or ".." components, no trailing "/".  Returns -1 when
 * it would leave the extraction directory (absolute, "..") or is empty.
 */
int tar_name_clean(const char *in, char *out, size_t len);

/* Bytes of padding after size bytes of data. */
size_t tar_padding(long long size);

#endif
