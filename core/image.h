/*
 * Image definitions: INI files that say which base image a VM starts
 * from and its default resources.  The built-in one is images/alpine.ini.
 */
#ifndef AQ_IMAGE_H
#define AQ_IMAGE_H

#include "aq/plugin.h"

struct image_def {
	char name[64];
	char file[AQ_PATH_MAX];		/* where it was read from */
	char description[256];
	char variant[32];
	char firmware[16];		/* for the host's arch */
	int cpus;
	int memory_mib;
	long long disk_bytes;
};

/* Find and read definition name for guests of arch. */
int image_def_load(const char *name, const char *arch, struct image_def *out);

/* The directory holding the built-in definitions. */
const char *image_def_dir(void);

/*
 * Make sure the base image for def is cached (downloading it if needed,
 * or re-resolving the release when refresh is set) and describe it.
 */
int image_fetch(const struct image_def *def, const char *arch, int refresh,
		struct aq_image *out);

#endif
