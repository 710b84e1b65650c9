/*
 * The NoCloud seed image.  tiny-cloud finds it by the label blkid
 * reports and reads it through Linux isofs, which shows Rock Ridge names;
 * Joliet carries the label in the case it was given (the primary volume
 * descriptor only holds upper case), and that is the one blkid reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "disk_seed.h"

/* Joliet keeps 16 UCS-2 characters of volume label, 64 of a file name. */
#define DISK_LABEL_MAX 16
#define DISK_NAME_MAX 64

static int disk_label_check(const struct aq_host *host, const char *label)
{
	size_t i, n = strlen(label);

	if (n == 0 || n > DISK_LABEL_MAX)
		return host->error("invalid seed label '%s': want 1 to %d "
				   "characters", label, DISK_LABEL_MAX);
	for (i = 0; i < n; i++) {
		char c = label[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_')
			return host->error("invalid seed label '%s': only "
					   "letters, digits and '_'", label);
	}
	return 0;
}

static int disk_name_ok(const char *name)
{
	size_t n = strlen(name);
	size_t i;

	if (n == 0 || n > DISK_NAME_MAX)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] < 0x21 || name[i] > 0x7e)
			return 0;
	return 1;
}

static int disk_files_check(const struct aq_host *host,
			    const struct aq_seed_file *files, size_t nfiles)
{
	size_t i, j;

	for (i = 0; i < nfiles; i++) {
		if (!files[i].name || !disk_name_ok(files[i].name))
			return host->error("invalid seed file name '%s'",
					   files[i].name ? files[i].name : "");
		if (!files[i].data && files[i].len)
			return host->error("seed file '%s' has no data",
					   files[i].name);
		for (j = 0; j < i; j++)
			if (strcmp(files[i].name, files[j].name) == 0)
				return host->error("seed file '%s' given "
						   "twice", files[i].name);
	}
	return 0;
}

static int disk_iso_options(struct archive *a, const char *label)
{
	if (archive_write_set_format_iso9660(a) != ARCHIVE_OK)
		return -1;
	/* "strict" keeps the modes and owners given instead of 0444. */
	if (archive_write_set_option(a, "iso9660", "rockridge",
				     "strict") != ARCHIVE_OK)
		return -1;
	if (archive_write_set_option(a, "iso9660", "joliet",
				     "1") != ARCHIVE_OK)
		return -1;
	if (archive_write_set_option(a, "iso9660", "volume-id",
				     label) != ARCHIVE_OK)
		return -1;
	return 0;
}

static int disk_iso_add(struct archive *a, const struct aq_seed_file *f,
			time_t now)
{
	struct archive_entry *e = NULL;
	size_t done = 0;
	int ret = -1;

	e = archive_entry_new();
	if (!e)
		goto out;
	archive_entry_set_pathname(e, f->name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, now, 0);
	archive_entry_set_size(e, (la_int64_t)f->len);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto out;
	while (done < f->len) {
		la_ssize_t n = archive_write_data(a, f->data + done,
						  f->len - done);

		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	ret = 0;
out:
	archive_entry_free(e);
	return ret;
}

/* Write the whole image to fd; on failure say why in err. */
static int disk_iso_write(int fd, const char *label,
			  const struct aq_seed_file *files, size_t nfiles,
			  char *err, size_t errlen)
{
	struct archive *a = NULL;
	time_t now = time(NULL);
	size_t i;
	int ret = -1;

	a = archive_write_new();
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (disk_iso_options(a, label) < 0 ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		goto out;
	for (i = 0; i < nfiles; i++)
		if (disk_iso_add(a, &files[i], now) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		snprintf(err, errlen, "%s", archive_error_string(a) ?
			 archive_error_string(a) : "libarchive failed");
	archive_write_free(a);
	return ret;
}

int disk_seed_write(const struct aq_host *host, const char *path,
		    const char *label, const struct aq_seed_file *files,
		    size_t nfiles)
{
	char tmp[AQ_PATH_MAX];
	char err[512];
	int fd = -1;
	int n, ret = -1;

	if (disk_label_check(host, label) < 0 ||
	    disk_files_check(host, files, nfiles) < 0)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return host->error("cannot write seed '%s': path too long",
				   path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return host->error("cannot create '%s': %s", tmp,
				   strerror(errno));
	if (disk_iso_write(fd, label, files, nfiles, err, sizeof(err)) < 0) {
		host->error("cannot write seed '%s': %s", tmp, err);
		goto out;
	}
	if (fsync(fd) < 0) {
		host->error("cannot write seed '%s': %s", tmp,
			    strerror(errno));
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n < 0) {
		host->error("cannot write seed '%s': %s", tmp,
			    strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		host->error("cannot rename '%s' to '%s': %s", tmp, path,
			    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	return ret;
}
