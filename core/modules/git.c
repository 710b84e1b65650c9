/*
 * aq's git module: cloning, fetching and fast-forwarding taps with
 * libgit2.  Built as its own shared object and loaded by core/tap.c when
 * a command changes a tap, so that aq's other commands do not pay for
 * loading libgit2.  It uses the core's functions (errors, paths, locks),
 * which the aq executable exports.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "config.h"
#include "error.h"
#include "lock.h"
#include "tap.h"
#include "util.h"
#include "banned.h"

/* The entry points core/tap.c looks up by name. */
int aqmod_tap_add(const char *name, const char *url);
int aqmod_tap_update(const char *name, int *changed,
		     char from[AQ_TAP_COMMIT_HEX], char to[AQ_TAP_COMMIT_HEX]);
int aqmod_tap_remove(const char *name);
int aqmod_tap_info(const char *name, char *url, size_t urllen,
		   char commit[AQ_TAP_COMMIT_HEX]);

struct tap_progress {
	const char *verb;	/* "cloning", "fetching" */
	const char *url;
	long long last_ms;
	int drawn;
};

/* Record libgit2's last message, naming what failed and the URL. */
static int tap_git_error(const char *what, const char *url)
{
	const git_error *e = git_error_last();
	char msg[512];

	snprintf(msg, sizeof(msg), "%s",
		 e && e->message ? e->message : "unknown libgit2 error");
	aq_rtrim(msg);
	return aq_error("cannot %s '%s': %s", what, url, msg);
}

static int tap_progress_cb(const git_indexer_progress *st, void *payload)
{
	struct tap_progress *p = payload;
	long long now = aq_now_ms();
	unsigned int done = st->received_objects;

	if (!isatty(2) || aq_verbosity > AQ_LOG_INFO || !st->total_objects)
		return 0;
	if (p->drawn && now - p->last_ms < 100 && done != st->total_objects)
		return 0;
	p->last_ms = now;
	p->drawn = 1;
	fprintf(stderr, "\raq: %s %s: %u%% (%u/%u objects, %zu KiB)",
		p->verb, p->url, done * 100 / st->total_objects, done,
		st->total_objects, st->received_bytes >> 10);
	return 0;
}

static void tap_progress_end(struct tap_progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
}

static void tap_progress_start(struct tap_progress *p, const char *verb,
			       const char *url)
{
	p->verb = verb;
	p->url = url;
	p->last_ms = 0;
	p->drawn = 0;
	aq_log(AQ_LOG_DEBUG, "%s %s", verb, url);
}

/* Run cleanup on path without losing the error already recorded. */
static void rm_keeping_error(const char *path)
{
	char saved[2048];

	snprintf(saved, sizeof(saved), "%s", aq_error_last());
	aq_rm_rf(path);
	aq_error("%s", saved);
}

/*
 * Hidden directories under taps/ are adds and removals in progress.
 * With the lock held none is: they are leftovers of a killed aq.
 */
static void remove_stale(const char *taps)
{
	char path[AQ_PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(taps);

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, ".add-", 5) &&
		    strncmp(de->d_name, ".rm-", 4))
			continue;
		if (aq_path(path, sizeof(path), "%s/%s", taps,
			    de->d_name) == 0)
			aq_rm_rf(path);
	}
	if (d)
		closedir(d);
	aq_error_clear();
}

static int tap_lock(char *taps, size_t len)
{
	char lockfile[AQ_PATH_MAX];

	if (aq_home_dir("taps", taps, len) < 0 ||
	    aq_path(lockfile, sizeof(lockfile), "%s/.lock", taps) < 0)
		return -1;
	return aq_lock(lockfile, AQ_LOCK_WAIT);
}

/* The user's part of a tap's directory, removed again when empty. */
static int user_dir(const char *taps, const char *name, char *out,
		    size_t len)
{
	return aq_path(out, len, "%s/%.*s", taps,
		       (int)strcspn(name, "/"), name);
}

static int clone_into(const char *url, const char *dir)
{
	git_clone_options opts;
	struct tap_progress prog;
	git_repository *repo = NULL;
	int rc;

	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	tap_progress_start(&prog, "cloning", url);
	opts.fetch_opts.callbacks.transfer_progress = tap_progress_cb;
	opts.fetch_opts.callbacks.payload = &prog;
	opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
	rc = git_clone(&repo, url, dir, &opts);
	tap_progress_end(&prog);
	if (rc < 0)
		return tap_git_error("clone", url);
	git_repository_free(repo);
	return 0;
}

int aqmod_tap_add(const char *name, const char *url)
{
	char taps[AQ_PATH_MAX], tmp[AQ_PATH_MAX], final[AQ_PATH_MAX];
	char user[AQ_PATH_MAX];
	int lock, made_user = 0, ret = -1;

	lock = tap_lock(taps, sizeof(taps));
	if (lock < 0)
		return -1;
	git_libgit2_init();
	if (aq_path(final, sizeof(final), "%s/%s", taps, name) < 0 ||
	    user_dir(taps, name, user, sizeof(user)) < 0 ||
	    aq_path(tmp, sizeof(tmp), "%s/.add-XXXXXX", taps) < 0)
		goto out;
	if (aq_exists(final)) {
		aq_error("tap '%s' already exists (update it with 'aq tap "
			 "update %s')", name, name);
		goto out;
	}
	remove_stale(taps);
	if (!mkdtemp(tmp)) {
		aq_error_errno("cannot create '%s'", tmp);
		goto out;
	}
	if (clone_into(url, tmp) < 0)
		goto cleanup;
	if (!aq_exists(user)) {
		if (mkdir(user, 0700) < 0) {
			aq_error_errno("cannot create '%s'", user);
			goto cleanup;
		}
		made_user = 1;
	}
	if (rename(tmp, final) < 0) {
		aq_error_errno("cannot rename '%s' to '%s'", tmp, final);
		goto cleanup;
	}
	ret = 0;
	goto out;
cleanup:
	rm_keeping_error(tmp);
	if (made_user)
		rmdir(user);
out:
	git_libgit2_shutdown();
	aq_unlock(lock);
	return ret;
}

static int open_tap(const char *name, git_repository **repo)
{
	char dir[AQ_PATH_MAX], git[AQ_PATH_MAX];

	if (tap_dir(name, dir, sizeof(dir)) < 0 ||
	    aq_path(git, sizeof(git), "%s/.git", dir) < 0)
		return -1;
	if (!aq_exists(git))
		return aq_error("no tap named '%s' (see 'aq tap')", name);
	if (git_repository_open(repo, dir) < 0)
		return tap_git_error("open", dir);
	return 0;
}

static void oid_short(const git_oid *oid, char out[AQ_TAP_COMMIT_HEX])
{
	git_oid_tostr(out, AQ_TAP_COMMIT_HEX, oid);
}

/* Fetch origin; its URL goes to url for later messages. */
static int fetch_origin(git_repository *repo, char *url, size_t len)
{
	git_fetch_options opts;
	git_remote *remote = NULL;
	struct tap_progress prog;
	int ret = -1;

	if (git_remote_lookup(&remote, repo, "origin") < 0)
		return tap_git_error("find the remote 'origin' of",
				     git_repository_workdir(repo));
	snprintf(url, len, "%s", git_remote_url(remote));
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	tap_progress_start(&prog, "fetching", url);
	opts.callbacks.transfer_progress = tap_progress_cb;
	opts.callbacks.payload = &prog;
	if (git_remote_fetch(remote, NULL, &opts, NULL) < 0) {
		tap_progress_end(&prog);
		tap_git_error("fetch", url);
		goto out;
	}
	tap_progress_end(&prog);
	ret = 0;
out:
	git_remote_free(remote);
	return ret;
}

/* Move the checkout and the branch head to target, refusing conflicts. */
static int fast_forward(git_repository *repo, git_reference *head,
			const git_oid *target, const char *url)
{
	git_checkout_options co;
	git_commit *commit = NULL;
	git_reference *moved = NULL;
	int ret = -1;

	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE;
	if (git_commit_lookup(&commit, repo, target) < 0) {
		tap_git_error("read the new commit of", url);
		goto out;
	}
	if (git_checkout_tree(repo, (const git_object *)commit, &co) < 0) {
		tap_git_error("check out the new commit of", url);
		aq_error_wrap("local changes are in the way");
		goto out;
	}
	if (git_reference_set_target(&moved, head, target,
				     "aq tap update: fast-forward") < 0) {
		tap_git_error("move the branch to the new commit of", url);
		goto out;
	}
	ret = 0;
out:
	git_reference_free(moved);
	git_commit_free(commit);
	return ret;
}

static int update_repo(git_repository *repo, const char *name, int *changed,
		       char from[AQ_TAP_COMMIT_HEX],
		       char to[AQ_TAP_COMMIT_HEX])
{
	git_reference *head = NULL, *up = NULL;
	const git_oid *local, *remote;
	char url[AQ_PATH_MAX];
	size_t ahead = 0, behind = 0;
	int ret = -1;

	if (git_repository_head(&head, repo) < 0 ||
	    !git_reference_is_branch(head)) {
		aq_error("its checkout is not on a branch");
		goto out;
	}
	if (fetch_origin(repo, url, sizeof(url)) < 0)
		goto out;
	if (git_branch_upstream(&up, head) < 0) {
		tap_git_error("find the upstream branch in", url);
		goto out;
	}
	local = git_reference_target(head);
	remote = git_reference_target(up);
	if (!local || !remote) {
		aq_error("cannot resolve its branch or '%s'",
			 git_reference_shorthand(up));
		goto out;
	}
	oid_short(local, from);
	oid_short(remote, to);
	if (git_graph_ahead_behind(&ahead, &behind, repo, local, remote) < 0) {
		tap_git_error("compare with", url);
		goto out;
	}
	if (ahead && behind) {
		aq_error("its history diverged from '%s' (%zu local and %zu "
			 "new commits): left at %s", url, ahead, behind, from);
		goto out;
	}
	if (ahead) {
		aq_log(AQ_LOG_WARN, "tap '%s' has %zu local commit(s) not in "
		       "'%s': left at %s", name, ahead, url, from);
		memcpy(to, from, AQ_TAP_COMMIT_HEX);
	} else if (behind && fast_forward(repo, head, remote, url) < 0) {
		goto out;
	}
	*changed = behind && !ahead;
	ret = 0;
out:
	git_reference_free(up);
	git_reference_free(head);
	return ret;
}

int aqmod_tap_update(const char *name, int *changed,
	       char from[AQ_TAP_COMMIT_HEX], char to[AQ_TAP_COMMIT_HEX])
{
	char taps[AQ_PATH_MAX];
	git_repository *repo = NULL;
	int lock, ret = -1;

	lock = tap_lock(taps, sizeof(taps));
	if (lock < 0)
		return -1;
	git_libgit2_init();
	if (open_tap(name, &repo) < 0)
		goto out;
	ret = update_repo(repo, name, changed, from, to);
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	aq_unlock(lock);
	return ret;
}

int aqmod_tap_remove(const char *name)
{
	char taps[AQ_PATH_MAX], dir[AQ_PATH_MAX], tmp[AQ_PATH_MAX];
	char moved[AQ_PATH_MAX], user[AQ_PATH_MAX], git[AQ_PATH_MAX];
	int lock, ret = -1;

	lock = tap_lock(taps, sizeof(taps));
	if (lock < 0)
		return -1;
	if (aq_path(dir, sizeof(dir), "%s/%s", taps, name) < 0 ||
	    aq_path(git, sizeof(git), "%s/.git", dir) < 0 ||
	    user_dir(taps, name, user, sizeof(user)) < 0 ||
	    aq_path(tmp, sizeof(tmp), "%s/.rm-XXXXXX", taps) < 0)
		goto out;
	if (!aq_exists(git)) {
		aq_error("no tap named '%s' (see 'aq tap')", name);
		goto out;
	}
	if (!mkdtemp(tmp)) {
		aq_error_errno("cannot create '%s'", tmp);
		goto out;
	}
	if (aq_path(moved, sizeof(moved), "%s/tap", tmp) < 0 ||
	    rename(dir, moved) < 0) {
		aq_error_errno("cannot move '%s' away", dir);
		rmdir(tmp);
		goto out;
	}
	ret = aq_rm_rf(tmp);
	rmdir(user);
out:
	aq_unlock(lock);
	return ret;
}

int aqmod_tap_info(const char *name, char *url, size_t urllen,
	     char commit[AQ_TAP_COMMIT_HEX])
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_oid oid;
	int ret = -1;

	git_libgit2_init();
	if (open_tap(name, &repo) < 0)
		goto out;
	if (git_remote_lookup(&remote, repo, "origin") == 0)
		snprintf(url, urllen, "%s", git_remote_url(remote));
	else
		snprintf(url, urllen, "-");
	if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		oid_short(&oid, commit);
	else
		snprintf(commit, AQ_TAP_COMMIT_HEX, "-");
	ret = 0;
out:
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
}
