/*
 * aq images: the image definitions aq knows and the base images in the
 * cache; aq pull: resolve the latest release and fetch it now.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "image.h"
#include "platform.h"
#include "tap.h"
#include "util.h"
#include "banned.h"

static void show_definition(const char *name)
{
	struct image_def *def = calloc(1, sizeof(*def));

	if (!def || image_def_load(name, platform_host_arch(), def) < 0) {
		aq_log(AQ_LOG_WARN, "%s", def ? aq_error_last() :
		       "out of memory");
		aq_error_clear();
		free(def);
		return;
	}
	printf("%-30s  %s\n", def->name, def->description);
	free(def);
}

/* Built-in definitions first, then each tap's; broken ones are warned of. */
static void list_definitions(void)
{
	char full[AQ_IMAGE_NAME_MAX];
	char **names = NULL, **taps = NULL;
	size_t n = 0, ntaps = 0;
	struct dirent *de;
	DIR *d = opendir(image_def_dir());

	printf("%-30s  %s\n", "DEFINITION", "DESCRIPTION");
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[64];

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") ||
		    len - 4 >= sizeof(name) || de->d_name[0] == '.')
			continue;
		memcpy(name, de->d_name, len - 4);
		name[len - 4] = '\0';
		show_definition(name);
	}
	if (d)
		closedir(d);
	if (tap_list(&taps, &ntaps) < 0)
		return;
	for (size_t t = 0; t < ntaps; t++) {
		if (tap_images(taps[t], &names, &n) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (snprintf(full, sizeof(full), "%s/%s", taps[t],
				     names[i]) < (int)sizeof(full))
				show_definition(full);
		tap_names_free(names);
	}
	tap_names_free(taps);
}

static void list_cache(void)
{
	char dir[AQ_PATH_MAX], path[AQ_PATH_MAX], size[16];
	struct dirent *de;
	struct stat st;
	DIR *d;

	printf("\nCACHED IMAGE%*s  SIZE\n", 48, "");
	if (aq_home_dir("images", dir, sizeof(dir)) < 0 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 7 || strcmp(de->d_name + len - 6, ".qcow2") ||
		    aq_path(path, sizeof(path), "%s/%s", dir,
			    de->d_name) < 0 || stat(path, &st) < 0)
			continue;
		aq_format_size((long long)st.st_size, size, sizeof(size));
		printf("%-60s  %s\n", de->d_name, size);
	}
	closedir(d);
}

int cmd_images(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cmd_usage("images", AQ_EXIT_USAGE);
	list_definitions();
	list_cache();
	aq_error_clear();
	return AQ_EXIT_OK;
}

int cmd_pull(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "alpine";
	struct image_def *def = NULL;
	struct aq_image img;
	int ret = AQ_EXIT_OK;

	if (argc > 2)
		return cmd_usage("pull", AQ_EXIT_USAGE);
	def = calloc(1, sizeof(*def));
	if (!def || image_def_load(name, platform_host_arch(), def) < 0 ||
	    image_fetch(def, platform_host_arch(), 1, &img) < 0) {
		if (!def)
			aq_error("out of memory");
		aq_error_wrap("cannot pull '%s'", name);
		ret = aq_error_report();
	} else {
		printf("%s %s\n", img.version, img.path);
	}
	free(def);
	return ret;
}
