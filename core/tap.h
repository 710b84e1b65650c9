/*
 * Image taps: git repositories of image definitions, cloned with libgit2
 * into $AQ_HOME/taps/USER/REPO.
 *
 * A tap is named USER/REPO.  Without a URL it comes from
 * https://github.com/USER/aq-REPO (as `brew tap` maps to homebrew-REPO).
 * Its definitions are images/NAME.ini inside the checkout.
 *
 * Every change is all or nothing: add clones into a hidden directory
 * under taps/ and renames it into place; update fetches, then moves the
 * checked-out branch only by a fast-forward, so a diverged tap or one
 * with conflicting local edits keeps its checkout; rm renames the tap
 * away before deleting it.  Changes hold $AQ_HOME/taps/.lock.
 */
#ifndef AQ_TAP_H
#define AQ_TAP_H

#include <stddef.h>

#include "aq/plugin.h"

#define AQ_TAP_NAME_MAX 96	/* "USER/REPO" without the NUL */
#define AQ_TAP_COMMIT_HEX 13	/* abbreviated commit plus NUL */

/*
 * Check a tap name given by the user and write its canonical form
 * (lowercase, a leading "aq-" dropped from REPO) into name.  When url is
 * not NULL, also write the default URL of the tap there.
 */
int tap_name_parse(const char *arg, char *name, size_t len, char *url,
		   size_t urllen);

/* $AQ_HOME/taps/NAME (NAME canonical); the tap need not exist. */
int tap_dir(const char *name, char *out, size_t len);

/*
 * The names of all taps, sorted, as a NULL-terminated array freed with
 * tap_names_free().
 */
int tap_list(char ***names, size_t *n);
void tap_names_free(char **names);

/*
 * The names of the image definitions of tap name (images/NAME.ini),
 * sorted; same ownership as tap_list().
 */
int tap_images(const char *name, char ***images, size_t *n);

/* Clone url as tap name.  Nothing is left behind on failure. */
int tap_add(const char *name, const char *url);

/*
 * Fetch tap name and fast-forward its branch.  *changed is set to 1 when
 * the checkout moved.  The old and new commits go to from and to.
 */
int tap_update(const char *name, int *changed,
	       char from[AQ_TAP_COMMIT_HEX], char to[AQ_TAP_COMMIT_HEX]);

/* Remove tap name. */
int tap_remove(const char *name);

/* The remote URL and the checked-out commit of tap name. */
int tap_info(const char *name, char *url, size_t urllen,
	     char commit[AQ_TAP_COMMIT_HEX]);

#endif
