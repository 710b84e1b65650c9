/*
 * aq's own SSH key (see exec_key.h).
 *
 * Two aq processes may want the key at the same moment (two `aq new` in
 * parallel): a lock file in the keys directory makes the second wait, and
 * the pair is generated under temporary names and renamed into place,
 * public half first, so a private key never appears without its .pub.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_key.h"
#include "exec_spawn.h"

#define EXEC_KEY_LOCK EXEC_KEY_NAME ".lock"
#define EXEC_KEY_MAX 4096	/* an ed25519 .pub line is ~100 bytes */

int exec_key_path(const struct aq_host *host, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s/%s", host->home(), EXEC_KEY_DIR,
			 EXEC_KEY_NAME);

	if (n < 0 || (size_t)n >= len)
		return host->error("cannot use data directory '%s': path "
				   "too long", host->home());
	return 0;
}

static int exec_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* mkdir -p, the last component with mode. */
static int exec_mkdirs(const struct aq_host *host, const char *dir,
		       mode_t mode)
{
	char path[AQ_PATH_MAX];
	size_t n = strlen(dir);
	size_t i;

	if (n >= sizeof(path))
		return host->error("cannot create '%s': path too long", dir);
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, i == n ? mode : 0755) < 0 && errno != EEXIST)
			return host->error("cannot create '%s': %s", path,
					   strerror(errno));
		path[i] = dir[i];
	}
	return 0;
}

static int exec_key_dir(const struct aq_host *host, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", host->home(), EXEC_KEY_DIR);

	if (n < 0 || (size_t)n >= len)
		return host->error("cannot use data directory '%s': path "
				   "too long", host->home());
	if (exec_mkdirs(host, out, 0700) < 0)
		return -1;
	if (chmod(out, 0700) < 0)
		return host->error("cannot restrict '%s': %s", out,
				   strerror(errno));
	return 0;
}

static int exec_key_lock(const struct aq_host *host, const char *dir,
			 int *out)
{
	char path[AQ_PATH_MAX];
	struct flock fl;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, EXEC_KEY_LOCK);
	int fd;

	if (n < 0 || (size_t)n >= sizeof(path))
		return host->error("cannot lock '%s': path too long", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return host->error("cannot open '%s': %s", path,
				   strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(fd);
			return host->error("cannot lock '%s': %s", path,
					   strerror(err));
		}
	}
	*out = fd;
	return 0;
}

static int exec_rename(const struct aq_host *host, const char *from,
		       const char *to)
{
	if (rename(from, to) < 0)
		return host->error("cannot rename '%s' to '%s': %s", from, to,
				   strerror(errno));
	return 0;
}

/* Names of the pair under construction: KEY.tmp.PID and KEY.tmp.PID.pub. */
static int exec_tmp_names(const char *key, char *tmp, char *tmp_pub,
			  size_t len)
{
	int a = snprintf(tmp, len, "%s.tmp.%ld", key, (long)getpid());
	int b = snprintf(tmp_pub, len, "%s.tmp.%ld.pub", key, (long)getpid());

	return a < 0 || b < 0 || (size_t)a >= len || (size_t)b >= len ? -1 : 0;
}

static int exec_key_generate(const struct aq_host *host, const char *key,
			     const char *pub)
{
	char tmp[AQ_PATH_MAX];
	char tmp_pub[AQ_PATH_MAX];
	char why[256] = "";
	int st;

	if (exec_tmp_names(key, tmp, tmp_pub, sizeof(tmp)) < 0)
		return host->error("cannot create '%s': path too long", key);
	unlink(tmp);
	unlink(tmp_pub);
	{
		const char *const argv[] = {
			"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
			"aq", "-f", tmp, NULL
		};

		st = host->run(argv, why, sizeof(why));
	}
	if (st < 0)
		return -1;
	if (st != 0) {
		unlink(tmp);
		unlink(tmp_pub);
		return host->error("cannot create ssh key '%s': ssh-keygen "
				   "exited with status %d%s%s", key, st,
				   why[0] ? ": " : "", why);
	}
	if (exec_rename(host, tmp_pub, pub) < 0 ||
	    exec_rename(host, tmp, key) < 0) {
		unlink(tmp);
		unlink(tmp_pub);
		return -1;
	}
	return 0;
}

/* The .pub went missing: derive it again from the private key. */
static int exec_pub_derive(const struct aq_host *host, const char *key,
			   const char *pub)
{
	char tmp[AQ_PATH_MAX];
	char tmp_pub[AQ_PATH_MAX];
	const char *const argv[] = { "ssh-keygen", "-y", "-f", key, NULL };
	int fds[3] = { -1, -1, -1 };
	int st = 0;
	int ret = -1;

	if (exec_tmp_names(key, tmp, tmp_pub, sizeof(tmp)) < 0)
		return host->error("cannot create '%s': path too long", pub);
	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[1] = open(tmp_pub, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fds[0] < 0 || fds[1] < 0) {
		ret = host->error("cannot create '%s': %s", tmp_pub,
				  strerror(errno));
		goto out;
	}
	if (exec_spawn(host, argv, fds, 0, &st) < 0)
		goto out;
	if (st != 0) {
		ret = host->error("cannot read ssh key '%s': ssh-keygen "
				  "exited with status %d", key, st);
		goto out;
	}
	ret = exec_rename(host, tmp_pub, pub);
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (ret < 0)
		unlink(tmp_pub);
	return ret;
}

static int exec_pub_read(const struct aq_host *host, const char *path,
			 char *out, size_t len)
{
	char buf[EXEC_KEY_MAX + 1];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return host->error("cannot open '%s': %s", path,
				   strerror(errno));
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0 || n >= EXEC_KEY_MAX || strchr(buf, '\n') ||
	    strlen(buf) != n || strncmp(buf, "ssh-", 4) != 0)
		return host->error("cannot use '%s': not a single public key "
				   "line", path);
	if (n >= len)
		return host->error("cannot use '%s': public key longer than "
				   "%zu bytes", path, len - 1);
	memcpy(out, buf, n + 1);
	return 0;
}

/* Take group and other access away, without which ssh ignores the key. */
static int exec_key_protect(const struct aq_host *host, const char *path,
			    const struct stat *st)
{
	if ((st->st_mode & 077) && chmod(path, 0600) < 0)
		return host->error("cannot restrict '%s': %s", path,
				   strerror(errno));
	return 0;
}

int exec_key_check(const struct aq_host *host, const char *vm_name,
		   const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return exec_key_protect(host, path, &st);
	if (errno == ENOENT)
		return host->error("cannot log in to '%s': aq's ssh key '%s' "
				   "is missing", vm_name, path);
	return host->error("cannot use ssh key '%s': %s", path,
			   strerror(errno));
}

int exec_key_get(const struct aq_host *host, char *pubkey, size_t len)
{
	char dir[AQ_PATH_MAX];
	char key[AQ_PATH_MAX];
	char pub[AQ_PATH_MAX + 4];
	struct stat st;
	int lock = -1;
	int ret = -1;

	if (exec_key_path(host, key, sizeof(key)) < 0)
		return -1;
	snprintf(pub, sizeof(pub), "%s.pub", key);
	if (exec_exists(key) && exec_exists(pub))
		goto read;
	if (exec_key_dir(host, dir, sizeof(dir)) < 0 ||
	    exec_key_lock(host, dir, &lock) < 0)
		goto out;
	if (!exec_exists(key)) {
		if (exec_key_generate(host, key, pub) < 0)
			goto out;
	} else if (!exec_exists(pub) && exec_pub_derive(host, key, pub) < 0) {
		goto out;
	}
read:
	if (stat(key, &st) < 0) {
		ret = host->error("cannot use ssh key '%s': %s", key,
				  strerror(errno));
		goto out;
	}
	if (exec_key_protect(host, key, &st) < 0 ||
	    exec_pub_read(host, pub, pubkey, len) < 0)
		goto out;
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	return ret;
}
