/*
 * aq images: the image definitions aq knows and the base images in the
 * cache; aq pull: resolve the latest release and fetch it now.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "image.h"
#include "platform.h"
#include "util.h"
#include "banned.h"

static void list_definitions(void)
{
	const char *dir = image_def_dir();
	struct dirent *de;
	DIR *d = opendir(dir);

	printf("DEFINITION  DESCRIPTION\n");
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct image_def def;
		char name[64];

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") ||
		    len - 4 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, len - 4);
		name[len - 4] = '\0';
		if (image_def_load(name, platform_host_arch(), &def) < 0) {
			aq_log(AQ_LOG_WARN, "%s", aq_error_last());
			aq_error_clear();
			continue;
		}
		printf("%-10s  %s\n", def.name, def.description);
	}
	closedir(d);
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
	struct image_def def;
	struct aq_image img;

	if (argc > 2)
		return cmd_usage("pull", AQ_EXIT_USAGE);
	if (image_def_load(name, platform_host_arch(), &def) < 0 ||
	    image_fetch(&def, platform_host_arch(), 1, &img) < 0) {
		aq_error_wrap("cannot pull '%s'", name);
		return aq_error_report();
	}
	printf("%s %s\n", img.version, img.path);
	return AQ_EXIT_OK;
}
