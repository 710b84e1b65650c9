/*
 * The pure parts of the qemu-img disk plugin: QEMU -drive arguments,
 * sizes for messages, and reading `qemu-img info --output=json`.  No I/O
 * here, so unit and fuzz tests link this file alone.
 */
#ifndef DISK_ARGS_H
#define DISK_ARGS_H

#include <stddef.h>

#include "aq/plugin.h"

/* The cache= mode used when the config names none. */
#define DISK_CACHE_DEFAULT "writeback"

/*
 * Copy in to out with each ',' doubled, as QEMU's option parser wants
 * inside a value.  Returns -1 when out is too small.
 */
int disk_escape(const char *in, char *out, size_t len);

/* Non-zero when mode is a cache= value QEMU knows. */
int disk_cache_valid(const char *mode);

/*
 * Append the -drive/-device pairs for vm's disk (virtio-blk, boot index
 * 0) and, when with_seed is set, for its seed ISO (read-only raw).
 * Fails through host->error.
 */
int disk_args_build(const struct aq_host *host, const struct aq_vm *vm,
		    const char *cache, int with_seed, struct aq_argv *argv);

/* Write bytes as "168 MiB", "1.5 GiB", "512 B" (never fails; truncates). */
void disk_size_human(long long bytes, char *out, size_t len);

/*
 * Read the virtual size out of qemu-img's JSON description of an image.
 * On failure writes a reason into err and returns -1; *vsize is written
 * only on success.
 */
int disk_info_parse(const char *json, size_t len, long long *vsize,
		    char *err, size_t errlen);

#endif
