/*
 * aq tap: add, list, update and remove image taps.
 *
 *   aq tap                       list taps: name, URL, commit, images
 *   aq tap add USER/REPO [URL]   clone (default github.com/USER/aq-REPO)
 *   aq tap update [NAME]...      fetch and fast-forward (all without NAME)
 *   aq tap rm NAME...            remove
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "tap.h"
#include "util.h"
#include "banned.h"

/*
 * A URL is kept as given; anything else is a local path, made absolute
 * so that the tap still finds it from another directory.  "host:path"
 * (scp syntax) is a URL too.
 */
static int tap_url(const char *arg, char *out, size_t len)
{
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');
	char cwd[AQ_PATH_MAX];
	struct stat st;
	size_t n;

	if (strstr(arg, "://") || (colon && (!slash || colon < slash)))
		return aq_path(out, len, "%s", arg);
	if (arg[0] == '/') {
		if (aq_path(out, len, "%s", arg) < 0)
			return -1;
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return aq_error_errno("cannot find the current "
					      "directory");
		while (arg[0] == '.' && arg[1] == '/')
			arg += 2;
		if (aq_path(out, len, "%s/%s", cwd, arg) < 0)
			return -1;
	}
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	if (stat(out, &st) < 0)
		return aq_error_errno("cannot use '%s'", out);
	if (!S_ISDIR(st.st_mode))
		return aq_error("cannot use '%s': not a directory", out);
	return 0;
}

static int tap_add_cmd(int argc, char **argv)
{
	char name[AQ_TAP_NAME_MAX + 1], url[AQ_PATH_MAX];
	char commit[AQ_TAP_COMMIT_HEX], origin[AQ_PATH_MAX];
	char **images = NULL;
	size_t n = 0;

	if (argc < 2 || argc > 3)
		return cmd_usage("tap", AQ_EXIT_USAGE);
	if (tap_name_parse(argv[1], name, sizeof(name), url,
			   sizeof(url)) < 0)
		return aq_usage_error("cannot add tap: %s", aq_error_last());
	if ((argc == 3 && tap_url(argv[2], url, sizeof(url)) < 0) ||
	    tap_add(name, url) < 0) {
		aq_error_wrap("cannot add tap '%s'", name);
		return aq_error_report();
	}
	if (tap_info(name, origin, sizeof(origin), commit) < 0 ||
	    tap_images(name, &images, &n) < 0) {
		aq_error_clear();
		snprintf(commit, sizeof(commit), "-");
	}
	if (n == 0)
		aq_log(AQ_LOG_WARN, "tap '%s' has no image definitions "
		       "(images/NAME.ini)", name);
	printf("Tapped %s at %s (%zu image%s)\n", name, commit, n,
	       n == 1 ? "" : "s");
	tap_names_free(images);
	return AQ_EXIT_OK;
}

static int update_one(const char *arg)
{
	char name[AQ_TAP_NAME_MAX + 1];
	char from[AQ_TAP_COMMIT_HEX], to[AQ_TAP_COMMIT_HEX];
	int changed = 0;

	if (tap_name_parse(arg, name, sizeof(name), NULL, 0) < 0 ||
	    tap_update(name, &changed, from, to) < 0) {
		aq_error_wrap("cannot update tap '%s'", arg);
		return aq_error_report();
	}
	if (changed)
		printf("Updated %s: %s..%s\n", name, from, to);
	else
		printf("%s is up to date at %s\n", name, to);
	return AQ_EXIT_OK;
}

/* Every tap is tried; the status is the first failure's. */
static int tap_update_cmd(int argc, char **argv)
{
	char **names = NULL;
	size_t n = 0;
	int ret = AQ_EXIT_OK;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (update_one(argv[i]) != AQ_EXIT_OK)
				ret = AQ_EXIT_FAIL;
		return ret;
	}
	if (tap_list(&names, &n) < 0)
		return aq_error_report();
	for (size_t i = 0; i < n; i++)
		if (update_one(names[i]) != AQ_EXIT_OK)
			ret = AQ_EXIT_FAIL;
	tap_names_free(names);
	return ret;
}

static int tap_rm_cmd(int argc, char **argv)
{
	char name[AQ_TAP_NAME_MAX + 1];
	int ret = AQ_EXIT_OK;

	if (argc < 2)
		return cmd_usage("tap", AQ_EXIT_USAGE);
	for (int i = 1; i < argc; i++) {
		if (tap_name_parse(argv[i], name, sizeof(name), NULL, 0) < 0 ||
		    tap_remove(name) < 0) {
			aq_error_wrap("cannot remove tap '%s'", argv[i]);
			ret = aq_error_report();
			continue;
		}
		printf("Untapped %s\n", name);
	}
	return ret;
}

/* "a, b, c" of a tap's images, cut to fit out. */
static void image_list(const char *name, char *out, size_t len)
{
	char **images = NULL;
	size_t n = 0, used = 0;

	snprintf(out, len, "-");
	if (tap_images(name, &images, &n) < 0) {
		aq_error_clear();
		return;
	}
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(out + used, len - used, "%s%s",
				 i ? ", " : "", images[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	tap_names_free(images);
}

static int tap_list_cmd(void)
{
	char url[AQ_PATH_MAX], commit[AQ_TAP_COMMIT_HEX], images[512];
	char **names = NULL;
	size_t n = 0, wname = 3, wurl = 3;
	int ret = AQ_EXIT_OK;

	if (tap_list(&names, &n) < 0)
		return aq_error_report();
	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) > wname)
			wname = strlen(names[i]);
		if (tap_info(names[i], url, sizeof(url), commit) == 0 &&
		    strlen(url) > wurl)
			wurl = strlen(url);
	}
	aq_error_clear();
	printf("%-*s  %-*s  %-12s  %s\n", (int)wname, "TAP", (int)wurl, "URL",
	       "COMMIT", "IMAGES");
	for (size_t i = 0; i < n; i++) {
		if (tap_info(names[i], url, sizeof(url), commit) < 0) {
			ret = aq_error_report();
			continue;
		}
		image_list(names[i], images, sizeof(images));
		printf("%-*s  %-*s  %-12s  %s\n", (int)wname, names[i],
		       (int)wurl, url, commit, images);
	}
	tap_names_free(names);
	return ret;
}

int cmd_tap(int argc, char **argv)
{
	if (argc == 1 || !strcmp(argv[1], "list"))
		return argc <= 2 ? tap_list_cmd() :
		       cmd_usage("tap", AQ_EXIT_USAGE);
	if (!strcmp(argv[1], "add"))
		return tap_add_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "update"))
		return tap_update_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm") || !strcmp(argv[1], "remove"))
		return tap_rm_cmd(argc - 1, argv + 1);
	return aq_usage_error("'%s' is not a tap command: use add, update or "
			      "rm (see 'aq tap --help')", argv[1]);
}
