/*
 * Image definitions: INI files that say which base image a VM starts
 * from, its default resources and forwards, and how it is provisioned
 * at first boot (Alpine packages, overlays, a script).  Every key is in
 * share/aq-image.5.
 *
 * The built-in definitions are images/NAME.ini of aq's data directory
 * (images/alpine.ini); a tap's are images/NAME.ini of its checkout, named
 * USER/REPO/NAME.  NAME alone means the built-in one, else the one tap
 * that has it.
 */
#ifndef AQ_IMAGE_H
#define AQ_IMAGE_H

#include "aq/plugin.h"
#include "tap.h"
#include "vm.h"

#define AQ_IMAGE_PART_MAX 63	/* NAME, without the NUL */
#define AQ_IMAGE_NAME_MAX (AQ_TAP_NAME_MAX + 1 + AQ_IMAGE_PART_MAX + 1)
#define AQ_IMAGE_MAX_OVERLAYS 8
#define AQ_IMAGE_PACKAGES_MAX 2048

enum image_overlay_kind {
	IMAGE_OVERLAY_DIR,	/* a directory tree, copied onto / */
	IMAGE_OVERLAY_TAR	/* an apkovl-style .tar.gz, unpacked onto / */
};

struct image_overlay {
	char path[AQ_PATH_MAX];
	enum image_overlay_kind kind;
};

struct image_def {
	char name[AQ_IMAGE_NAME_MAX];	/* "alpine", "user/repo/web" */
	char file[AQ_PATH_MAX];		/* where it was read from */
	char description[256];
	char base[32];			/* "alpine": latest stable */
	char variant[32];
	char firmware[16];		/* for the guest's arch */
	int cpus;
	int memory_mib;
	long long disk_bytes;
	struct aq_forward forwards[AQ_MAX_FORWARDS];
	size_t nforwards;
	char packages[AQ_IMAGE_PACKAGES_MAX];	/* space-separated */
	struct image_overlay overlays[AQ_IMAGE_MAX_OVERLAYS];
	size_t noverlays;
	char script[AQ_PATH_MAX];	/* "" when there is none */
};

/* Find and read definition name for guests of arch. */
int image_def_load(const char *name, const char *arch, struct image_def *out);

/*
 * Read the definition in file as name.  Relative paths in it are taken
 * from root, which they may not leave.
 */
int image_def_read(const char *file, const char *root, const char *name,
		   const char *arch, struct image_def *out);

/* The directory holding the built-in definitions. */
const char *image_def_dir(void);

/*
 * Make sure the base image for def is cached (downloading it if needed,
 * or re-resolving the release when refresh is set) and describe it.
 */
int image_fetch(const struct image_def *def, const char *arch, int refresh,
		struct aq_image *out);

#endif
