/*
 * fcntl() locks on files.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "aq/plugin.h"

#include "config.h"
#include "error.h"
#include "lock.h"
#include "util.h"
#include "banned.h"

int aq_lock(const char *path, unsigned int flags)
{
	struct flock fl;
	int fd;

	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return aq_error_errno("cannot open lock '%s'", path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		return aq_error_errno("cannot lock '%s'", path);
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, flags & AQ_LOCK_WAIT ? F_SETLKW : F_SETLK, &fl) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EACCES || errno == EAGAIN) {
			close(fd);
			return AQ_ELOCKED;
		}
		close(fd);
		return aq_error_errno("cannot lock '%s'", path);
	}
	return fd;
}

void aq_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int aq_lock_home(void)
{
	char path[AQ_PATH_MAX];

	if (aq_home_dir(NULL, path, sizeof(path)) < 0 ||
	    aq_path(path, sizeof(path), "%s/aq.lock", aq_home()) < 0)
		return -1;
	return aq_lock(path, AQ_LOCK_WAIT);
}
