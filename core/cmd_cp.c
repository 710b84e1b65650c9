/*
 * aq cp: copy files and directories between the host and a VM.
 *
 *   aq cp [-r] SRC... NAME:DEST     host to guest
 *   aq cp [-r] NAME:SRC... DEST     guest to host
 *
 * As with cp(1): a DEST that is a directory receives the sources by
 * their names, otherwise the one source takes the name DEST.  A local
 * path with a ':' in its first component is written ./a:b.
 *
 * The files travel as a tar stream through the exec plugin (ssh), to
 * or from busybox tar in the guest, which is all a guest needs.  aq
 * writes and reads the stream itself, so the host needs no tar and a
 * stream from the guest is checked entry by entry: names stay inside
 * DEST, nothing is written through a symlink, modes are kept (but not
 * setuid and setgid bits from a guest), ownership is the user's on the
 * host and root's in the guest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "opts.h"
#include "tar.h"
#include "untar.h"
#include "util.h"
#include "banned.h"

static const struct aq_opt cp_opts[] = {
	{ 'r', 'r', "recursive", 0 },
	{ 'R', 'R', NULL, 0 },
	{ 0, 0, NULL, 0 }
};

/* $1 DEST, $2 the name in the archive, $3 1 when there are several. */
static const char cp_to_guest_script[] =
	"d=$1 n=$2\n"
	"if [ -d \"$d\" ]; then\n"
	"\tcd \"$d\" && exec tar -x -f -\n"
	"fi\n"
	"[ \"$3\" = 1 ] && exit 6\n"
	"case $d in */) exit 5 ;; esac\n"
	"p=$(dirname \"$d\")\n"
	"[ -d \"$p\" ] || exit 5\n"
	"t=$(mktemp -d \"$p/.aq-cp.XXXXXX\") || exit 1\n"
	"(cd \"$t\" && tar -x -f -) && mv -f \"$t/$n\" \"$d\"\n"
	"s=$?\n"
	"rm -rf \"$t\"\n"
	"exit $s\n";

/* $1 SRC, $2 1 for -r. */
static const char cp_from_guest_script[] =
	"s=$1\n"
	"[ -e \"$s\" ] || [ -h \"$s\" ] || exit 3\n"
	"[ -d \"$s\" ] && [ \"$2\" != 1 ] && exit 4\n"
	"cd \"$(dirname \"$s\")\" && exec tar -c -f - \"$(basename \"$s\")\"\n";

enum { CP_MISSING = 3, CP_IS_DIR = 4, CP_NO_DIR = 5, CP_NOT_DIR = 6 };

/* A copy failed for its destination: the other sources would too. */
#define CP_EDEST -3

/* "NAME:PATH" names a VM's file; anything else is local. */
static int cp_remote(const char *arg, char *vm, size_t len,
		     const char **path)
{
	const char *colon = strchr(arg, ':');
	size_t n;

	if (!colon || memchr(arg, '/', (size_t)(colon - arg)))
		return 0;
	n = (size_t)(colon - arg);
	if (n == 0 || n >= len)
		return 0;
	memcpy(vm, arg, n);
	vm[n] = '\0';
	*path = colon[1] ? colon + 1 : ".";
	return 1;
}

/* The last component of path, without trailing slashes. */
static int cp_basename(const char *path, char *out, size_t len)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start >= len)
		return aq_error("name too long: '%s'", path);
	memcpy(out, path + start, end - start);
	out[end - start] = '\0';
	if (!strcmp(out, ".")) {
		char cwd[AQ_PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return aq_error_errno("cannot resolve '.'");
		return cp_basename(cwd, out, len);
	}
	if (!out[0] || !strcmp(out, "..") || !strcmp(out, "/"))
		return aq_error("cannot copy '%s': name it by its own name",
				path);
	return 0;
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

/* --- running the guest's half --- */

struct guest {
	struct aq_vm abi;
	struct vm vm;
	int errfd;		/* the guest's stderr, kept for messages */
};

static int guest_open(const char *name, struct guest *g)
{
	char tmpl[AQ_PATH_MAX];

	if (cmd_load_vm(name, 1, &g->vm) < 0)
		return -1;
	vm_to_abi(&g->vm, &g->abi);
	if (vm_file(&g->vm, ".cp-err.XXXXXX", tmpl, sizeof(tmpl)) < 0)
		return -1;
	g->errfd = mkstemp(tmpl);
	if (g->errfd < 0)
		return aq_error_errno("cannot create '%s'", tmpl);
	unlink(tmpl);
	return 0;
}

/*
 * Run the script in the guest with in/out as its stdin/stdout; mine is
 * the parent's end of the pipe, which the child must not keep open.
 */
static pid_t guest_spawn(struct guest *g, const char *script,
			 const char *const args[], int in, int out, int mine)
{
	const char *argv[8];
	int argc = 0, status = 255;
	pid_t pid;

	argv[argc++] = "sh";
	argv[argc++] = "-c";
	argv[argc++] = script;
	argv[argc++] = "sh";
	for (int i = 0; args[i] && argc < 7; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	if (ftruncate(g->errfd, 0) < 0 || lseek(g->errfd, 0, SEEK_SET) < 0)
		return aq_error_errno("cannot reset the error file");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return aq_error_errno("cannot fork");
	if (pid > 0)
		return pid;
	signal(SIGPIPE, SIG_DFL);
	close(mine);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(g->errfd, 2) < 0)
		_exit(255);
	if (aq_call_exec_run(&g->abi, argc, argv, 0, &status) < 0) {
		fprintf(stderr, "%s\n", aq_error_last());
		_exit(255);
	}
	_exit(status & 0xff);
}

static int guest_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 255;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* The last line the guest (or ssh) wrote on stderr. */
static void guest_why(struct guest *g, char *out, size_t len)
{
	char buf[4096];
	ssize_t n;
	char *end, *start;

	out[0] = '\0';
	if (lseek(g->errfd, 0, SEEK_SET) < 0)
		return;
	n = read(g->errfd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(buf, '\n');
	snprintf(out, len, "%s", start ? start + 1 : buf);
}

static int guest_status(struct guest *g, int status, const char *path)
{
	char why[1024];

	switch (status) {
	case 0:
		return 0;
	case CP_MISSING:
		return aq_error("no such file or directory in '%s'",
				g->vm.name);
	case CP_IS_DIR:
		return aq_error("it is a directory (use -r)");
	case CP_NO_DIR:
		return aq_error("no such directory in '%s': '%s'", g->vm.name,
				path);
	case CP_NOT_DIR:
		return aq_error("'%s' in '%s' is not a directory", path,
				g->vm.name);
	}
	guest_why(g, why, sizeof(why));
	return aq_error("tar in '%s' failed (exit %d)%s%s", g->vm.name, status,
			why[0] ? ": " : "", why);
}

/* --- host to guest: writing the archive --- */

static int put_header(int fd, const char *name, const char *link, char type,
		      const struct stat *st, long long size)
{
	unsigned char blocks[TAR_HEADER_BLOCKS * TAR_BLOCK];
	size_t n;

	if (tar_header_make(blocks, &n, name, link, type,
			    (unsigned int)st->st_mode & 07777, size,
			    (long long)st->st_mtime) < 0)
		return aq_error("cannot copy '%s': name too long", name);
	return write_all(fd, blocks, n * TAR_BLOCK) < 0 ? -2 : 0;
}

/* -2 means the guest stopped reading; its status says why. */
static int put_file(int fd, const char *path, const char *name,
		    const struct stat *st)
{
	static const char zeros[TAR_BLOCK];
	char buf[65536];
	long long left = (long long)st->st_size;
	int in = open(path, O_RDONLY), r;

	if (in < 0)
		return aq_error_errno("cannot read '%s'", path);
	r = put_header(fd, name, NULL, TAR_FILE, st, left);
	while (r == 0 && left > 0) {
		ssize_t n = read(in, buf, left < (long long)sizeof(buf) ?
				 (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = aq_error_errno("cannot read '%s'", path);
			break;
		}
		/* A file that shrank meanwhile is padded with zeros. */
		if (n == 0) {
			memset(buf, 0, sizeof(buf));
			n = left < (long long)sizeof(buf) ? (ssize_t)left :
			    (ssize_t)sizeof(buf);
		}
		if (write_all(fd, buf, (size_t)n) < 0)
			r = -2;
		left -= n;
	}
	if (r == 0 && write_all(fd, zeros, tar_padding(st->st_size)) < 0)
		r = -2;
	close(in);
	return r;
}

static int put_tree(int fd, const char *path, const char *name,
		    int recursive);

static int put_dir(int fd, const char *path, const char *name,
		   const struct stat *st)
{
	char sub[AQ_PATH_MAX], subname[AQ_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r;

	if (aq_path(subname, sizeof(subname), "%s/", name) < 0)
		return -1;
	r = put_header(fd, subname, NULL, TAR_DIR, st, 0);
	if (r < 0)
		return r;
	d = opendir(path);
	if (!d)
		return aq_error_errno("cannot read '%s'", path);
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (aq_path(sub, sizeof(sub), "%s/%s", path, de->d_name) < 0 ||
		    aq_path(subname, sizeof(subname), "%s/%s", name,
			    de->d_name) < 0)
			r = -1;
		else
			r = put_tree(fd, sub, subname, 1);
	}
	closedir(d);
	return r;
}

static int put_tree(int fd, const char *path, const char *name,
		    int recursive)
{
	char link[AQ_PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return aq_error_errno("cannot copy '%s'", path);
	if (S_ISREG(st.st_mode))
		return put_file(fd, path, name, &st);
	if (S_ISDIR(st.st_mode)) {
		if (!recursive)
			return aq_error("cannot copy '%s': it is a directory "
					"(use -r)", path);
		return put_dir(fd, path, name, &st);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			return aq_error_errno("cannot read link '%s'", path);
		link[n] = '\0';
		return put_header(fd, name, link, TAR_SYMLINK, &st, 0);
	}
	aq_log(AQ_LOG_WARN, "skipping '%s': not a file, directory or link",
	       path);
	return 0;
}

static int to_guest_one(struct guest *g, const char *src, const char *dest,
			int multi, int recursive)
{
	static const char zeros[2 * TAR_BLOCK];
	const char *args[4];
	char name[256], saved[2048];
	struct stat st;
	int p[2], r, status;
	pid_t pid;

	if (stat(src, &st) < 0 && lstat(src, &st) < 0)
		return aq_error("%s", strerror(errno));
	if (S_ISDIR(st.st_mode) && !recursive)
		return aq_error("it is a directory (use -r)");
	if (cp_basename(src, name, sizeof(name)) < 0)
		return -1;
	if (pipe(p) < 0)
		return aq_error_errno("cannot make a pipe");
	args[0] = dest;
	args[1] = name;
	args[2] = multi ? "1" : "0";
	args[3] = NULL;
	pid = guest_spawn(g, cp_to_guest_script, args, p[0], g->errfd, p[1]);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	r = put_tree(p[1], src, name, recursive);
	if (r == 0 && write_all(p[1], zeros, sizeof(zeros)) < 0)
		r = -2;
	snprintf(saved, sizeof(saved), "%s", aq_error_last());
	close(p[1]);
	status = guest_wait(pid);
	if (r == -1) {
		aq_error("%s", saved);
		return -1;
	}
	if (guest_status(g, status, dest) < 0)
		return status == CP_NO_DIR || status == CP_NOT_DIR ?
		       CP_EDEST : -1;
	return r == -2 ? aq_error("'%s' stopped reading", g->vm.name) : 0;
}

/* --- guest to host --- */

/* Where a source from the guest lands: directory and new name. */
static int sink_open(struct untar *u, const char *src, const char *dest,
		     int multi)
{
	char parent[AQ_PATH_MAX], from[256], to[256];
	struct stat st;
	const char *slash;

	untar_init(u);
	if (cp_basename(src, from, sizeof(from)) < 0)
		return -1;
	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(to, sizeof(to), "%s", from);
		snprintf(parent, sizeof(parent), "%s", dest);
	} else if (multi) {
		return aq_error("cannot copy to '%s': not a directory", dest);
	} else {
		if (dest[strlen(dest) - 1] == '/')
			return aq_error("cannot copy to '%s': no such "
					"directory", dest);
		if (cp_basename(dest, to, sizeof(to)) < 0)
			return -1;
		slash = strrchr(dest, '/');
		if (aq_path(parent, sizeof(parent), "%.*s",
			    slash ? (int)(slash - dest) + 1 : 1,
			    slash ? dest : ".") < 0)
			return -1;
	}
	if (untar_open(u, parent, from, to) < 0)
		return aq_error_wrap("cannot copy to '%s'", dest);
	return 0;
}

static int from_guest_one(struct guest *g, const char *src, const char *dest,
			  int multi, int recursive)
{
	const char *args[3] = { src, recursive ? "1" : "0", NULL };
	struct untar s;
	char saved[2048];
	int p[2], null, r, status;
	pid_t pid;

	if (sink_open(&s, src, dest, multi) < 0) {
		untar_close(&s);
		return CP_EDEST;
	}
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || pipe(p) < 0) {
		if (null >= 0)
			close(null);
		untar_close(&s);
		return aq_error_errno("cannot make a pipe");
	}
	pid = guest_spawn(g, cp_from_guest_script, args, null, p[1], p[0]);
	close(null);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		untar_close(&s);
		return -1;
	}
	r = untar_extract(&s, p[0]);
	/* tar pads its output: read it all, or ssh gets EPIPE. */
	if (r == 0) {
		char rest[4096];

		while (read(p[0], rest, sizeof(rest)) > 0)
			;
	}
	snprintf(saved, sizeof(saved), "%s", aq_error_last());
	close(p[0]);
	if (r < 0)
		kill(pid, SIGTERM);
	status = guest_wait(pid);
	untar_close(&s);
	if (r < 0 && status != CP_MISSING && status != CP_IS_DIR) {
		aq_error("%s", saved);
		return -1;
	}
	return guest_status(g, status, src);
}

/* --- the command --- */

static int cp_run(int nsrc, char **srcs, const char *dest, int recursive)
{
	char vm[AQ_NAME_MAX + 2], other[AQ_NAME_MAX + 2];
	const char *path, *dpath;
	struct guest g;
	int to_guest = cp_remote(dest, vm, sizeof(vm), &dpath), ret = 0;

	for (int i = 0; i < nsrc; i++) {
		int remote = cp_remote(srcs[i], other, sizeof(other), &path);

		if (remote == to_guest)
			return aq_usage_error("cp: copy between the host and "
					      "a VM: one side is NAME:PATH, "
					      "the other a local path");
		if (remote && i && strcmp(other, vm))
			return aq_usage_error("cp: all sources must be in one "
					      "VM");
		if (remote)
			memcpy(vm, other, sizeof(vm));
	}
	g.errfd = -1;
	if (guest_open(vm, &g) < 0) {
		aq_error_wrap("cannot copy %s '%s'", to_guest ? "to" : "from",
			      vm);
		ret = aq_error_report();
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < nsrc; i++) {
		int r;

		if (to_guest) {
			r = to_guest_one(&g, srcs[i], dpath, nsrc > 1,
					 recursive);
		} else {
			cp_remote(srcs[i], other, sizeof(other), &path);
			r = from_guest_one(&g, path, dest, nsrc > 1, recursive);
		}
		if (r < 0) {
			aq_error_wrap("cannot copy '%s'", srcs[i]);
			ret = aq_error_report();
		}
		if (r == CP_EDEST)
			break;
	}
out:
	if (g.errfd >= 0)
		close(g.errfd);
	return ret;
}

int cmd_cp(int argc, char **argv)
{
	struct aq_opts o;
	int id, recursive = 0, ret = AQ_EXIT_USAGE;

	if (aq_opts_init(&o, argc, argv, cp_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0)
		recursive = 1;
	if (id < 0)
		goto out;
	if (o.noperands < 2) {
		ret = cmd_usage("cp", AQ_EXIT_USAGE);
		goto out;
	}
	ret = cp_run(o.noperands - 1, o.operands, o.operands[o.noperands - 1],
		     recursive);
out:
	aq_opts_release(&o);
	return ret;
}
