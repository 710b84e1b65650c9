/*
 * Image taps, cloned, fetched and fast-forwarded with libgit2.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "lock.h"
#include "module.h"
#include "tap.h"
#include "util.h"
#include "banned.h"

#define TAP_PART_MAX 39		/* GitHub's limit for a user name */

/* State of one progress line on stderr. */
static int tap_part_valid(const char *s, size_t len)
{
	if (len == 0 || len > 100 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

int tap_name_parse(const char *arg, char *name, size_t len, char *url,
		   size_t urllen)
{
	const char *slash = strchr(arg, '/');
	const char *repo;
	size_t ulen, rlen;
	char canon[AQ_TAP_NAME_MAX + 1];

	if (!slash || strchr(slash + 1, '/'))
		return aq_error("invalid tap name '%s': use USER/REPO", arg);
	ulen = (size_t)(slash - arg);
	repo = slash + 1;
	if (!strncmp(repo, "aq-", 3) && repo[3])
		repo += 3;
	rlen = strlen(repo);
	if (!tap_part_valid(arg, ulen) || ulen > TAP_PART_MAX ||
	    !tap_part_valid(repo, rlen))
		return aq_error("invalid tap name '%s': USER and REPO are "
				"letters, digits, '-', '_' and '.', not "
				"starting with '.' or '-'", arg);
	if (ulen + 1 + rlen > AQ_TAP_NAME_MAX)
		return aq_error("invalid tap name '%s': too long", arg);
	snprintf(canon, sizeof(canon), "%.*s/%s", (int)ulen, arg, repo);
	for (char *p = canon; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (url && aq_path(url, urllen, "https://github.com/%.*s/aq-%s",
			   (int)ulen, canon, canon + ulen + 1) < 0)
		return -1;
	return aq_path(name, len, "%s", canon);
}

int tap_dir(const char *name, char *out, size_t len)
{
	char taps[AQ_PATH_MAX];

	if (aq_home_dir("taps", taps, sizeof(taps)) < 0)
		return -1;
	return aq_path(out, len, "%s/%s", taps, name);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a copy of s to the NULL-terminated array *v of *n names. */
static int names_push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(**v));

	if (!grown)
		return aq_error("out of memory");
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return aq_error("out of memory");
	grown[++*n] = NULL;
	return 0;
}

static int names_finish(char **v, size_t n, char ***out, size_t *count)
{
	if (!v && !(v = calloc(1, sizeof(*v))))
		return aq_error("out of memory");
	qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	*count = n;
	return 0;
}

void tap_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

/* The repositories of one user directory, appended as USER/REPO. */
static int list_user(const char *taps, const char *user, char ***v,
		     size_t *n)
{
	char dir[AQ_PATH_MAX], git[AQ_PATH_MAX], name[AQ_TAP_NAME_MAX + 2];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (aq_path(dir, sizeof(dir), "%s/%s", taps, user) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return 0;
	while (ret == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    snprintf(name, sizeof(name), "%s/%s", user, de->d_name) >=
		    (int)sizeof(name) ||
		    aq_path(git, sizeof(git), "%s/%s/.git", dir,
			    de->d_name) < 0 || !aq_exists(git))
			continue;
		ret = names_push(v, n, name);
	}
	closedir(d);
	return ret;
}

int tap_list(char ***names, size_t *count)
{
	char taps[AQ_PATH_MAX];
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	DIR *d;
	int ret = 0;

	if (aq_home_dir("taps", taps, sizeof(taps)) < 0)
		return -1;
	d = opendir(taps);
	if (!d)
		return aq_error_errno("cannot list '%s'", taps);
	while (ret == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ret = list_user(taps, de->d_name, &v, &n);
	closedir(d);
	aq_error_clear();
	if (ret < 0) {
		tap_names_free(v);
		return aq_error("out of memory");
	}
	return names_finish(v, n, names, count);
}

int tap_images(const char *name, char ***images, size_t *count)
{
	char dir[AQ_PATH_MAX], base[AQ_PATH_MAX];
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	DIR *d;
	int ret = 0;

	if (tap_dir(name, base, sizeof(base)) < 0 ||
	    aq_path(dir, sizeof(dir), "%s/images", base) < 0)
		return -1;
	d = opendir(dir);
	while (d && ret == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char img[128];

		if (de->d_name[0] == '.' || len < 5 || len - 4 >= sizeof(img) ||
		    strcmp(de->d_name + len - 4, ".ini"))
			continue;
		memcpy(img, de->d_name, len - 4);
		img[len - 4] = '\0';
		ret = names_push(&v, &n, img);
	}
	if (d)
		closedir(d);
	if (ret < 0) {
		tap_names_free(v);
		return -1;
	}
	return names_finish(v, n, images, count);
}

/*
 * What needs libgit2 lives in aq's git module (core/modules/git.c),
 * loaded only by the commands that change taps: linking libgit2 and its
 * dependencies into aq itself would slow every command's start-up.
 */
int tap_add(const char *name, const char *url)
{
	int (*fn)(const char *, const char *);

	if (aq_module_fn("git", "aqmod_tap_add", (void **)&fn) < 0)
		return -1;
	return fn(name, url);
}

int tap_update(const char *name, int *changed,
	       char from[AQ_TAP_COMMIT_HEX], char to[AQ_TAP_COMMIT_HEX])
{
	int (*fn)(const char *, int *, char *, char *);

	if (aq_module_fn("git", "aqmod_tap_update", (void **)&fn) < 0)
		return -1;
	return fn(name, changed, from, to);
}

int tap_remove(const char *name)
{
	int (*fn)(const char *);

	if (aq_module_fn("git", "aqmod_tap_remove", (void **)&fn) < 0)
		return -1;
	return fn(name);
}

int tap_info(const char *name, char *url, size_t urllen,
	     char commit[AQ_TAP_COMMIT_HEX])
{
	int (*fn)(const char *, char *, size_t, char *);

	if (aq_module_fn("git", "aqmod_tap_info", (void **)&fn) < 0)
		return -1;
	return fn(name, url, urllen, commit);
}
