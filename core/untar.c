/*
 * Extracting a tar stream from a guest (see untar.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "tar.h"
#include "untar.h"
#include "util.h"
#include "banned.h"

#define UNTAR_PAX_MAX 65536

/* Read exactly len bytes; 0 at a clean EOF before any, -1 otherwise. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got ? -1 : n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}


/*
 * The directory holding path's last component, walked from the root
 * without following symlinks (made when missing if create is set).
 * Returns a descriptor, *last points into path.
 */
static int open_parent(const struct untar *s, char *path, int create,
		       const char **last)
{
	int fd = dup(s->root);
	char *p = path, *slash;

	if (fd < 0)
		return aq_error_errno("cannot dup");
	while ((slash = strchr(p, '/'))) {
		int next;

		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (next < 0 && errno == ENOENT && create &&
		    mkdirat(fd, p, 0755) == 0)
			next = openat(fd, p, O_RDONLY | O_DIRECTORY |
				      O_NOFOLLOW);
		*slash = '/';
		close(fd);
		if (next < 0)
			return aq_error_errno("cannot open directory '%.*s'",
					      (int)(slash - path), path);
		fd = next;
		p = slash + 1;
	}
	*last = p;
	return fd;
}

/* The host path for an archive name: clean, with the top renamed. */
static int untar_name(const struct untar *s, const char *name, char *out,
		     size_t len)
{
	char clean[AQ_PATH_MAX];
	size_t n = strlen(s->from);
	const char *rest;

	if (tar_name_clean(name, clean, sizeof(clean)) < 0)
		return aq_error("refusing archive entry '%.200s': it leaves "
				"the destination", name);
	if (strncmp(clean, s->from, n) || (clean[n] && clean[n] != '/'))
		return aq_error("refusing archive entry '%.200s': not under "
				"'%s'", name, s->from);
	rest = clean + n;
	return aq_path(out, len, "%s%s", s->to, rest);
}

static int untar_file(struct untar *s, int in, const struct tar_header *h,
		     char *path)
{
	char buf[65536];
	long long left = h->size;
	const char *last;
	int dir = open_parent(s, path, 1, &last), fd, ret = -1;

	if (dir < 0)
		return -1;
	if (unlinkat(dir, last, 0) < 0 && errno != ENOENT) {
		aq_error_errno("cannot replace '%s'", path);
		close(dir);
		return -1;
	}
	fd = openat(dir, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
		    0600);
	close(dir);
	if (fd < 0)
		return aq_error_errno("cannot create '%s'", path);
	while (left > 0) {
		size_t want = left < (long long)sizeof(buf) ? (size_t)left :
			      sizeof(buf);

		if (read_full(in, buf, want) != (ssize_t)want) {
			aq_error("archive from the guest ends inside '%s'",
				 path);
			goto out;
		}
		if (write_all(fd, buf, want) < 0) {
			aq_error_errno("cannot write '%s'", path);
			goto out;
		}
		left -= (long long)want;
	}
	if (fchmod(fd, h->mode & 0777) < 0) {
		aq_error_errno("cannot set the mode of '%s'", path);
		goto out;
	}
	{
		struct timespec t[2] = { { (time_t)h->mtime, 0 },
					 { (time_t)h->mtime, 0 } };

		futimens(fd, t);
	}
	ret = 0;
out:
	if (close(fd) < 0 && ret == 0)
		ret = aq_error_errno("cannot write '%s'", path);
	return ret;
}

static int untar_dir(struct untar *s, const struct tar_header *h, char *path)
{
	const char *last;
	struct stat st;
	int dir = open_parent(s, path, 1, &last), ret = 0;
	void *grown;

	if (dir < 0)
		return -1;
	if (mkdirat(dir, last, 0700) < 0 && errno != EEXIST)
		ret = aq_error_errno("cannot create '%s'", path);
	else if (fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		 !S_ISDIR(st.st_mode))
		ret = aq_error("cannot create '%s': something else is there",
			       path);
	close(dir);
	if (ret < 0)
		return -1;
	grown = realloc(s->dirs, (s->ndirs + 1) * sizeof(*s->dirs));
	if (!grown)
		return aq_error("out of memory");
	s->dirs = grown;
	grown = realloc(s->modes, (s->ndirs + 1) * sizeof(*s->modes));
	if (!grown)
		return aq_error("out of memory");
	s->modes = grown;
	snprintf(s->dirs[s->ndirs], AQ_PATH_MAX, "%s", path);
	s->modes[s->ndirs++] = h->mode & 01777;
	return 0;
}

static int untar_link(struct untar *s, const struct tar_header *h, char *path)
{
	char target[AQ_PATH_MAX];
	const char *last, *tlast;
	int dir, tdir, ret = 0;

	if (h->type == TAR_HARDLINK && untar_name(s, h->link, target,
						 sizeof(target)) < 0)
		return -1;
	dir = open_parent(s, path, 1, &last);
	if (dir < 0)
		return -1;
	if (unlinkat(dir, last, 0) < 0 && errno != ENOENT)
		ret = aq_error_errno("cannot replace '%s'", path);
	else if (h->type == TAR_SYMLINK && symlinkat(h->link, dir, last) < 0)
		ret = aq_error_errno("cannot create link '%s'", path);
	if (ret == 0 && h->type == TAR_HARDLINK) {
		tdir = open_parent(s, target, 0, &tlast);
		if (tdir < 0)
			ret = -1;
		else if (linkat(tdir, tlast, dir, last, 0) < 0)
			ret = aq_error_errno("cannot link '%s'", path);
		if (tdir >= 0)
			close(tdir);
	}
	close(dir);
	return ret;
}

static int skip_data(int in, long long size)
{
	char buf[4096];

	while (size > 0) {
		size_t want = size < (long long)sizeof(buf) ? (size_t)size :
			      sizeof(buf);

		if (read_full(in, buf, want) != (ssize_t)want)
			return aq_error("archive from the guest is cut short");
		size -= (long long)want;
	}
	return 0;
}

/* A long name or pax record: its data, NUL-terminated. */
static int read_meta(int in, const struct tar_header *h, char *buf,
		     size_t len)
{
	if (h->size < 0 || (size_t)h->size >= len)
		return aq_error("archive from the guest has a %lld-byte "
				"header record", h->size);
	if (read_full(in, buf, (size_t)h->size) != (ssize_t)h->size ||
	    skip_data(in, (long long)tar_padding(h->size)) < 0)
		return aq_error("archive from the guest is cut short");
	buf[h->size] = '\0';
	return 0;
}

static int untar_entry(struct untar *s, int in, struct tar_header *h)
{
	char path[AQ_PATH_MAX];
	int r;

	if (untar_name(s, h->name, path, sizeof(path)) < 0)
		return -1;
	switch (h->type) {
	case TAR_FILE:
	case '7':
		r = untar_file(s, in, h, path);
		break;
	case TAR_DIR:
		r = untar_dir(s, h, path);
		break;
	case TAR_SYMLINK:
	case TAR_HARDLINK:
		r = untar_link(s, h, path);
		break;
	default:
		aq_log(AQ_LOG_WARN, "skipping '%s': not a file, directory or "
		       "link", path);
		r = 0;
		h->type = 0;
	}
	if (r < 0)
		return -1;
	if (h->type == TAR_FILE || h->type == '7')
		return skip_data(in, (long long)tar_padding(h->size));
	return skip_data(in, h->size + (long long)tar_padding(h->size));
}

/* Extract the archive on in; an empty stream is no error. */
static int untar_all(struct untar *s, int in)
{
	unsigned char b[TAR_BLOCK];
	char longname[AQ_PATH_MAX], longlink[AQ_PATH_MAX], why[128];
	char *pax = malloc(UNTAR_PAX_MAX);
	struct tar_header h, over;
	int have_over = 0, ret = -1;

	if (!pax)
		return aq_error("out of memory");
	longname[0] = longlink[0] = '\0';
	memset(&over, 0, sizeof(over));
	for (;;) {
		ssize_t n = read_full(in, b, sizeof(b));
		int r;

		if (n == 0) {
			ret = 0;
			break;
		}
		if (n < 0) {
			aq_error("archive from the guest is cut short");
			break;
		}
		r = tar_header_parse(b, &h, why, sizeof(why));
		if (r == 1) {
			ret = 0;
			break;
		}
		if (r < 0) {
			aq_error("bad archive from the guest: %s", why);
			break;
		}
		if (h.type == TAR_GNU_LONGNAME || h.type == TAR_GNU_LONGLINK) {
			if (read_meta(in, &h, h.type == TAR_GNU_LONGNAME ?
				      longname : longlink, AQ_PATH_MAX) < 0)
				break;
			continue;
		}
		if (h.type == TAR_PAX || h.type == TAR_PAX_GLOBAL) {
			if (read_meta(in, &h, pax, UNTAR_PAX_MAX) < 0)
				break;
			if (h.type == TAR_PAX_GLOBAL)
				continue;
			memset(&over, 0, sizeof(over));
			over.size = -1;
			if (tar_pax_apply(pax, (size_t)h.size, &over, why,
					  sizeof(why)) < 0) {
				aq_error("bad archive from the guest: %s", why);
				break;
			}
			have_over = 1;
			continue;
		}
		if (longname[0])
			snprintf(h.name, sizeof(h.name), "%s", longname);
		if (longlink[0])
			snprintf(h.link, sizeof(h.link), "%s", longlink);
		if (have_over && over.name[0])
			snprintf(h.name, sizeof(h.name), "%s", over.name);
		if (have_over && over.link[0])
			snprintf(h.link, sizeof(h.link), "%s", over.link);
		if (have_over && over.size >= 0)
			h.size = over.size;
		longname[0] = longlink[0] = '\0';
		have_over = 0;
		if (untar_entry(s, in, &h) < 0)
			break;
	}
	free(pax);
	return ret;
}

/* Directory modes last, deepest first, so none blocks its contents. */
static int untar_modes(struct untar *s)
{
	for (size_t i = s->ndirs; i-- > 0;) {
		char path[AQ_PATH_MAX];
		const char *last;
		int dir, fd;

		snprintf(path, sizeof(path), "%s", s->dirs[i]);
		dir = open_parent(s, path, 0, &last);
		if (dir < 0)
			return -1;
		fd = openat(dir, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		close(dir);
		if (fd < 0 || fchmod(fd, s->modes[i]) < 0) {
			if (fd >= 0)
				close(fd);
			return aq_error_errno("cannot set the mode of '%s'",
					      s->dirs[i]);
		}
		close(fd);
	}
	return 0;
}

void untar_init(struct untar *u)
{
	memset(u, 0, sizeof(*u));
	u->root = -1;
}

int untar_open(struct untar *u, const char *dir, const char *from,
	       const char *to)
{
	untar_init(u);
	if (strlen(from) >= sizeof(u->from) || strlen(to) >= sizeof(u->to) ||
	    !from[0] || !to[0] || strchr(from, '/') || strchr(to, '/'))
		return aq_error("bad names '%s', '%s'", from, to);
	memcpy(u->from, from, strlen(from) + 1);
	memcpy(u->to, to, strlen(to) + 1);
	u->root = open(dir, O_RDONLY | O_DIRECTORY);
	if (u->root < 0)
		return aq_error("%s", strerror(errno));
	return 0;
}

int untar_extract(struct untar *u, int fd)
{
	return untar_all(u, fd) < 0 || untar_modes(u) < 0 ? -1 : 0;
}

void untar_close(struct untar *u)
{
	if (u->root >= 0)
		close(u->root);
	free(u->dirs);
	free(u->modes);
	untar_init(u);
}
