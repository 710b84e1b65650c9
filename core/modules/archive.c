/*
 * aq's archive module: the provisioning overlay packed into a .tar.gz in
 * memory with libarchive.  Built as its own shared object and loaded by
 * core/overlay.c only when a VM is made from an image with an overlay, so
 * that aq's other commands do not pay for loading libarchive.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "error.h"
#include "overlay.h"
#include "util.h"
#include "banned.h"

int aqmod_overlay_build(const struct image_overlay *overlays, size_t n,
		  struct aq_buf *out);

#define OVERLAY_MAX_DEPTH 64

static la_ssize_t overlay_write_cb(struct archive *a, void *data,
				   const void *buf, size_t len)
{
	(void)a;
	if (aq_buf_add(data, buf, len) < 0)
		return -1;
	return (la_ssize_t)len;
}

/* Record libarchive's reason for what failed. */
static int overlay_error(struct archive *a, const char *what,
			 const char *path)
{
	const char *why = archive_error_string(a);

	return aq_error("cannot %s overlay '%s': %s", what, path,
			why ? why : "libarchive failed");
}

static void entry_init(struct archive_entry *e, const char *name,
		       const struct stat *st, mode_t type)
{
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, st->st_mtime, 0);
}

static int add_file(struct archive *a, const char *path, const char *name,
		    const struct stat *st, const char *top)
{
	struct archive_entry *e = archive_entry_new();
	char buf[65536];
	FILE *f = NULL;
	size_t n;
	int ret = -1;

	if (!e)
		return aq_error("out of memory");
	entry_init(e, name, st, AE_IFREG);
	archive_entry_set_size(e, st->st_size);
	f = fopen(path, "rb");
	if (!f) {
		aq_error_errno("cannot read '%s'", path);
		goto out;
	}
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		overlay_error(a, "pack", top);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (archive_write_data(a, buf, n) != (la_ssize_t)n) {
			overlay_error(a, "pack", top);
			goto out;
		}
	if (ferror(f)) {
		aq_error_errno("cannot read '%s'", path);
		goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	archive_entry_free(e);
	return ret;
}

static int add_other(struct archive *a, const char *path, const char *name,
		     const struct stat *st, const char *top)
{
	struct archive_entry *e = archive_entry_new();
	char target[AQ_PATH_MAX];
	ssize_t n;
	int ret = -1;

	if (!e)
		return aq_error("out of memory");
	if (S_ISLNK(st->st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0) {
			aq_error_errno("cannot read link '%s'", path);
			goto out;
		}
		target[n] = '\0';
		entry_init(e, name, st, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, target);
	} else {
		entry_init(e, name, st, AE_IFDIR);
	}
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		overlay_error(a, "pack", top);
		goto out;
	}
	ret = 0;
out:
	archive_entry_free(e);
	return ret;
}

/*
 * Pack dir (shown as rel inside the archive, "" at the top); *count
 * gets how many entries went in.
 */
static int add_dir(struct archive *a, const char *dir, const char *rel,
		   const char *top, int depth, int *count)
{
	char path[AQ_PATH_MAX], name[AQ_PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (depth > OVERLAY_MAX_DEPTH)
		return aq_error("cannot pack overlay '%s': nested too deep",
				top);
	d = opendir(dir);
	if (!d)
		return aq_error_errno("cannot read '%s'", dir);
	while (ret == 0 && (de = readdir(d))) {
		int inner = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!rel[0] && !strcmp(de->d_name, ".git")))
			continue;
		(*count)++;
		if (aq_path(path, sizeof(path), "%s/%s", dir, de->d_name) < 0 ||
		    aq_path(name, sizeof(name), "%s%s%s", rel,
			    rel[0] ? "/" : "", de->d_name) < 0) {
			ret = -1;
			break;
		}
		if (lstat(path, &st) < 0) {
			ret = aq_error_errno("cannot read '%s'", path);
		} else if (S_ISREG(st.st_mode)) {
			ret = add_file(a, path, name, &st, top);
		} else if (S_ISLNK(st.st_mode)) {
			ret = add_other(a, path, name, &st, top);
		} else if (S_ISDIR(st.st_mode)) {
			ret = add_dir(a, path, name, top, depth + 1, &inner);
			if (ret == 0 && inner == 0)
				ret = add_other(a, path, name, &st, top);
		} else {
			ret = aq_error("cannot pack overlay '%s': '%s' is not "
				       "a file, directory or symlink", top,
				       path);
		}
	}
	closedir(d);
	return ret;
}

/* A name inside the guest's root: relative and without "..". */
static int inside_root(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* "./etc/x" and "etc/x" are the same; "." and "./" are the root. */
static const char *strip_dot(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/' && name[1] == '\0')
		name++;
	return strcmp(name, ".") ? name : "";
}

static int copy_entries(struct archive *w, struct archive *r,
			const char *path)
{
	struct archive_entry *e;
	char buf[65536];
	la_ssize_t n;
	int rc;

	while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
		const char *name = strip_dot(archive_entry_pathname(e));
		const char *link = archive_entry_hardlink(e);

		if (!name[0])
			continue;
		if (!inside_root(name) || (link && !inside_root(link)))
			return aq_error("cannot use overlay '%s': entry '%s' "
					"would land outside /", path, name);
		archive_entry_set_pathname(e, name);
		if (link)
			archive_entry_set_hardlink(e, strip_dot(link));
		if (archive_write_header(w, e) != ARCHIVE_OK)
			return overlay_error(w, "repack", path);
		while ((n = archive_read_data(r, buf, sizeof(buf))) > 0)
			if (archive_write_data(w, buf, (size_t)n) != n)
				return overlay_error(w, "repack", path);
		if (n < 0)
			return overlay_error(r, "read", path);
	}
	if (rc != ARCHIVE_EOF)
		return overlay_error(r, "read", path);
	return 0;
}

static int gzipped(struct archive *r)
{
	for (int i = 0; i < archive_filter_count(r); i++)
		if (archive_filter_code(r, i) == ARCHIVE_FILTER_GZIP)
			return 1;
	return 0;
}

static int add_tar(struct archive *w, const char *path)
{
	struct archive *r = archive_read_new();
	int ret = -1;

	if (!r)
		return aq_error("out of memory");
	if (archive_read_support_filter_gzip(r) != ARCHIVE_OK ||
	    archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_support_format_gnutar(r) != ARCHIVE_OK ||
	    archive_read_open_filename(r, path, 65536) != ARCHIVE_OK) {
		overlay_error(r, "read", path);
		goto out;
	}
	if (!gzipped(r)) {
		aq_error("cannot use overlay '%s': not gzip-compressed (an "
			 "apkovl is a .tar.gz)", path);
		goto out;
	}
	ret = copy_entries(w, r, path);
out:
	archive_read_free(r);
	return ret;
}

int aqmod_overlay_build(const struct image_overlay *overlays, size_t n,
		  struct aq_buf *out)
{
	struct aq_buf data = AQ_BUF_INIT;
	struct archive *a = NULL;
	int ret = -1;

	if (n == 0)
		return 0;
	a = archive_write_new();
	if (!a)
		return aq_error("out of memory");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, &data, NULL, overlay_write_cb, NULL,
				NULL) != ARCHIVE_OK) {
		overlay_error(a, "start", overlays[0].path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int count = 0;

		if (overlays[i].kind == IMAGE_OVERLAY_DIR ?
		    add_dir(a, overlays[i].path, "", overlays[i].path, 0,
			    &count) < 0 :
		    add_tar(a, overlays[i].path) < 0)
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		overlay_error(a, "finish", overlays[n - 1].path);
		goto out;
	}
	if (aq_buf_add(out, data.s, data.len) < 0)
		goto out;
	ret = 0;
out:
	archive_write_free(a);
	aq_buf_release(&data);
	return ret;
}
