/*
 * The SSH exec plugin: commands in the guest as root through the
 * system's OpenSSH client, over the port QEMU forwards to guest port 22.
 *
 * Each VM gets one persistent master connection (ControlMaster, with
 * ControlPersist) on a socket in its directory, so a command after the
 * first skips the TCP and key exchange.  The master is always started on
 * its own, with stdio on /dev/null and a log file: a master born inside
 * a session would keep that session's stdout open after it ends, and
 * `out=$(aq exec vm cmd)` would hang until the master expired.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <aq/plugin.h>

#include "exec_args.h"
#include "exec_key.h"
#include "exec_quote.h"
#include "exec_spawn.h"

/* Where the master's own error output goes, in the VM's directory. */
#define EXEC_MASTER_LOG "ssh.log"
/* Serialises starting a master among aq processes. */
#define EXEC_MASTER_LOCK "ssh.lock"

/*
 * While a guest boots, QEMU accepts the TCP connection at once and ssh
 * then waits for a banner that cannot come yet, up to ConnectTimeout.
 * exec_ready is called again and again, so each of its attempts waits
 * less (a booted guest's banner comes in well under a second even under
 * TCG, and `aq start` learns sooner that the guest is up); exec_run
 * makes one attempt and keeps the longer default of exec_args.c.
 */
#define EXEC_PROBE_TIMEOUT "ConnectTimeout=2"

static const struct aq_host *exec_host;

/* The files one VM's ssh calls use. */
struct exec_paths {
	char key[AQ_PATH_MAX];
	char control[AQ_PATH_MAX];
};

static int exec_init(const struct aq_host *host)
{
	exec_host = host;
	return 0;
}

static void exec_fini(void)
{
	exec_host = NULL;
}

static int exec_pubkey(char *pubkey, size_t len)
{
	return exec_key_get(exec_host, pubkey, len);
}

static int exec_vm_file(const struct aq_vm *vm, const char *file, char *out,
			size_t len)
{
	int n = snprintf(out, len, "%s/%s", vm->dir, file);

	if (n < 0 || (size_t)n >= len)
		return exec_host->error("cannot use '%s/%s': path too long",
					vm->dir, file);
	return 0;
}

/*
 * A ControlPath too long for a socket does not fail in ssh: it quietly
 * drops multiplexing, and a "master" started with -f -N would then be a
 * plain connection left running in the background.  Refuse it here.
 */
static int exec_paths_get(const struct aq_vm *vm, struct exec_paths *p)
{
	struct sockaddr_un sa;

	if (exec_key_path(exec_host, p->key, sizeof(p->key)) < 0 ||
	    exec_vm_file(vm, AQ_VM_SSH_CONTROL, p->control,
			 sizeof(p->control)) < 0)
		return -1;
	if (strlen(p->control) + EXEC_CONTROL_SUFFIX >= sizeof(sa.sun_path))
		return exec_host->error("cannot use '%s' for ssh to '%s': a "
					"control socket path holds at most "
					"%zu bytes", vm->dir, vm->name,
					sizeof(sa.sun_path) - 1 -
					EXEC_CONTROL_SUFFIX);
	return exec_key_check(exec_host, vm->name, p->key);
}

/* A command line: "ssh", the words of mode, the shared options. */
static struct exec_cmd *exec_cmd_new(const struct aq_vm *vm,
				     const struct exec_paths *p,
				     const char *const mode[])
{
	struct exec_cmd *c = malloc(sizeof(*c));
	size_t i;

	if (!c) {
		exec_host->error("cannot run ssh: out of memory");
		return NULL;
	}
	exec_cmd_init(c);
	for (i = 0; mode[i]; i++)
		exec_cmd_add(c, mode[i]);
	if (exec_cmd_target(c, p->key, vm->dir, vm->ssh_port) < 0) {
		free(c);
		exec_host->error("cannot run ssh for '%s': port %d or a path "
				 "under '%s' cannot be given to ssh (too "
				 "long, or holding a line break or '${')",
				 vm->name, vm->ssh_port, vm->dir);
		return NULL;
	}
	return c;
}

/* Run a short control command (-O check, -O exit); its status or -1. */
static int exec_control(const struct aq_vm *vm, const struct exec_paths *p,
			const char *op)
{
	const char *const mode[] = { "-O", op, NULL };
	struct exec_cmd *c = exec_cmd_new(vm, p, mode);
	char why[256];
	int st;

	if (!c)
		return -1;
	exec_cmd_done(c);
	st = exec_host->run(c->argv, why, sizeof(why));
	free(c);
	return st;
}

/* 1 when a master answers on the control socket, 0 if not, -1 on error. */
/*
 * A master listens on its control socket, so a connect() that succeeds
 * means it is alive: as good as `ssh -O check` and without running ssh,
 * which would cost more than the command the caller wants to run.
 */
static int exec_master_alive(const struct aq_vm *vm,
			     const struct exec_paths *p)
{
	struct sockaddr_un sa;
	int fd, alive;

	(void)vm;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(p->control) >= sizeof(sa.sun_path))
		return 0;
	memcpy(sa.sun_path, p->control, strlen(p->control) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return exec_host->error("socket: %s", strerror(errno));
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

static int exec_lock(const struct aq_vm *vm, int *out)
{
	char path[AQ_PATH_MAX];
	struct flock fl;
	int fd;

	if (exec_vm_file(vm, EXEC_MASTER_LOCK, path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return exec_host->error("cannot open '%s': %s", path,
					strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(fd);
			return exec_host->error("cannot lock '%s': %s", path,
						strerror(err));
		}
	}
	*out = fd;
	return 0;
}

/* The last non-empty line of a small file, or "" when there is none. */
static void exec_last_line(const char *path, char *out, size_t len)
{
	char buf[4096];
	ssize_t n = 0;
	char *end;
	char *start;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd < 0)
		return;
	if (lseek(fd, -(off_t)(sizeof(buf) - 1), SEEK_END) < 0)
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	n = (ssize_t)strlen(start);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(out, start, (size_t)n);
	out[n] = '\0';
}

static int exec_master_spawn(const struct aq_vm *vm,
			     const struct exec_paths *p, int probe,
			     int *status, char *why, size_t len)
{
	static const char *const master[] = {
		"-f", "-N",
		"-o", "ControlMaster=yes",
		"-o", "ControlPersist=" EXEC_PERSIST,
		"-o", "ServerAliveInterval=15",
		"-o", "ServerAliveCountMax=4",
	};
	const char *mode[sizeof(master) / sizeof(master[0]) + 3];
	char log[AQ_PATH_MAX];
	struct exec_cmd *c = NULL;
	int fds[3] = { -1, -1, -1 };
	size_t n;
	int ret = -1;

	for (n = 0; n < sizeof(master) / sizeof(master[0]); n++)
		mode[n] = master[n];
	/* ssh takes the first value given: this wins over the shared one. */
	if (probe) {
		mode[n++] = "-o";
		mode[n++] = EXEC_PROBE_TIMEOUT;
	}
	mode[n] = NULL;
	if (exec_vm_file(vm, EXEC_MASTER_LOG, log, sizeof(log)) < 0)
		return -1;
	c = exec_cmd_new(vm, p, mode);
	if (!c)
		goto out;
	exec_cmd_done(c);
	fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[1] = fds[0];
	fds[2] = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fds[0] < 0 || fds[2] < 0) {
		ret = exec_host->error("cannot open '%s': %s",
				       fds[0] < 0 ? "/dev/null" : log,
				       strerror(errno));
		goto out;
	}
	if (exec_spawn(exec_host, c->argv, fds, 0, status) < 0)
		goto out;
	exec_last_line(log, why, len);
	ret = 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[2] >= 0)
		close(fds[2]);
	free(c);
	return ret;
}

/*
 * Start the master unless another aq process did meanwhile.  Returns 0,
 * AQ_ENOTREADY with ssh's complaint in why (nothing recorded), or -1.
 * A changed host key is a hard error: waiting would never fix it.
 */
static int exec_master_start(const struct aq_vm *vm,
			     const struct exec_paths *p, int probe, char *why,
			     size_t len)
{
	struct stat st;
	int lock = -1;
	int status = 0;
	int ret = -1;
	int alive;

	why[0] = '\0';
	if (exec_lock(vm, &lock) < 0)
		return -1;
	alive = exec_master_alive(vm, p);
	if (alive != 0) {
		ret = alive < 0 ? -1 : 0;
		goto out;
	}
	/* ssh would not replace a dead master's socket but work without. */
	if (lstat(p->control, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(p->control);
	if (exec_master_spawn(vm, p, probe, &status, why, len) < 0)
		goto out;
	if (status == 0)
		ret = 0;
	else if (status == 255 && strstr(why, "Host key verification failed"))
		ret = exec_host->error("cannot log in to '%s': its ssh host "
				       "key does not match '%s/%s' (remove "
				       "that file if the guest was rebuilt)",
				       vm->name, vm->dir, AQ_VM_KNOWN_HOSTS);
	else if (status == 255)
		ret = AQ_ENOTREADY;
	else
		ret = exec_host->error("cannot connect to '%s': ssh exited "
				       "with status %d%s%s", vm->name, status,
				       why[0] ? ": " : "", why);
out:
	if (lock >= 0)
		close(lock);
	return ret;
}

static int exec_ready(const struct aq_vm *vm)
{
	struct exec_paths p;
	char why[256];
	int r;

	if (exec_paths_get(vm, &p) < 0)
		return -1;
	r = exec_master_alive(vm, &p);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = exec_master_start(vm, &p, 1, why, sizeof(why));
	if (r == AQ_ENOTREADY)
		exec_host->log(AQ_LOG_DEBUG, "ssh to '%s' not ready yet: %s",
			       vm->name, why[0] ? why : "no reason given");
	return r;
}

/* The master is there, or has just been started, or we say why not. */
static int exec_master_ensure(const struct aq_vm *vm,
			      const struct exec_paths *p)
{
	char why[256];
	int r = exec_master_alive(vm, p);

	if (r != 0)
		return r < 0 ? -1 : 0;
	r = exec_master_start(vm, p, 0, why, sizeof(why));
	if (r == AQ_ENOTREADY)
		return exec_host->error("cannot connect to '%s' with ssh on "
					"port %d: %s", vm->name, vm->ssh_port,
					why[0] ? why : "no reason given");
	return r;
}

static const char *exec_tty_flag(unsigned int flags)
{
	/* -tt: a terminal in the guest even when stdin is not one here. */
	return flags & AQ_EXEC_TTY ? "-tt" : "-T";
}

static int exec_run(const struct aq_vm *vm, int argc,
		    const char *const argv[], unsigned int flags, int *status)
{
	struct exec_paths p;
	struct exec_cmd *c = NULL;
	const char *mode[] = { "-o", "ControlMaster=no", NULL, NULL };
	char *line = NULL;
	int fds[3] = { -1, -1, -1 };
	int st = 0;
	int ret = -1;

	if (argc < 0)
		return exec_host->error("bad argument count %d for '%s'",
					argc, vm->name);
	if (exec_paths_get(vm, &p) < 0 || exec_master_ensure(vm, &p) < 0)
		return -1;
	mode[2] = exec_tty_flag(flags);
	c = exec_cmd_new(vm, &p, mode);
	if (!c)
		goto out;
	line = exec_shell_join(argc, argv);
	if (!line) {
		ret = exec_host->error("cannot build the ssh command for "
				       "'%s': out of memory", vm->name);
		goto out;
	}
	if (argc > 0) {
		exec_cmd_add(c, "--");
		exec_cmd_add(c, line);
	}
	if (exec_cmd_done(c) < 0) {
		ret = exec_host->error("cannot build the ssh command for "
				       "'%s': too many arguments", vm->name);
		goto out;
	}
	if (flags & AQ_EXEC_NO_STDIN) {
		fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fds[0] < 0) {
			ret = exec_host->error("cannot open '/dev/null': %s",
					       strerror(errno));
			goto out;
		}
	}
	if (exec_spawn(exec_host, c->argv, fds, EXEC_SPAWN_FOREGROUND,
		       &st) < 0)
		goto out;
	*status = st;
	ret = 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	free(line);
	free(c);
	return ret;
}

/* A VM name ssh_config would read as a pattern or several words. */
static int exec_host_name_ok(const char *name)
{
	const char *s;

	if (!name[0])
		return 0;
	for (s = name; *s; s++)
		if (*s <= ' ' || *s == 0x7f || strchr("*?!,\"#'\\", *s))
			return 0;
	return 1;
}

static int exec_ssh_config(const struct aq_vm *vm, FILE *out)
{
	char key[AQ_PATH_MAX];
	char path[AQ_PATH_MAX];
	static char qkey[EXEC_OPT_MAX];
	static char qknown[EXEC_OPT_MAX];
	static char qcontrol[EXEC_OPT_MAX];

	if (!exec_host_name_ok(vm->name))
		return exec_host->error("cannot write an ssh config for '%s': "
					"the name holds characters ssh_config "
					"reads as a pattern", vm->name);
	if (exec_key_path(exec_host, key, sizeof(key)) < 0 ||
	    exec_config_quote(key, qkey, sizeof(qkey)) < 0 ||
	    exec_vm_file(vm, AQ_VM_KNOWN_HOSTS, path, sizeof(path)) < 0 ||
	    exec_config_quote(path, qknown, sizeof(qknown)) < 0 ||
	    exec_vm_file(vm, AQ_VM_SSH_CONTROL, path, sizeof(path)) < 0 ||
	    exec_config_quote(path, qcontrol, sizeof(qcontrol)) < 0)
		return exec_host->error("cannot write an ssh config for '%s': "
					"a path under '%s' cannot be given to "
					"ssh", vm->name, vm->dir);
	if (fprintf(out, "Host aq-%s\n"
		    "\tHostName 127.0.0.1\n"
		    "\tPort %d\n"
		    "\tUser root\n"
		    "\tIdentityFile %s\n"
		    "\tIdentitiesOnly yes\n"
		    "\tUserKnownHostsFile %s\n"
		    "\tStrictHostKeyChecking accept-new\n"
		    "\tControlMaster auto\n"
		    "\tControlPath %s\n"
		    "\tControlPersist %s\n",
		    vm->name, vm->ssh_port, qkey, qknown, qcontrol,
		    EXEC_PERSIST) < 0)
		return exec_host->error("cannot write the ssh config for "
					"'%s': %s", vm->name, strerror(errno));
	return 0;
}

static int exec_disconnect(const struct aq_vm *vm)
{
	struct exec_paths p;
	struct stat st;
	int r;

	if (exec_key_path(exec_host, p.key, sizeof(p.key)) < 0 ||
	    exec_vm_file(vm, AQ_VM_SSH_CONTROL, p.control,
			 sizeof(p.control)) < 0)
		return -1;
	if (lstat(p.control, &st) < 0)
		return 0;
	r = exec_control(vm, &p, "exit");
	if (r < 0)
		return -1;
	/* No master answered: what is left is a dead one's socket. */
	if (r != 0 && lstat(p.control, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(p.control);
	return 0;
}

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "ssh",
	.concern = AQ_CONCERN_EXEC,
	.description = "commands in the guest with the system's OpenSSH "
		       "client",
	.init = exec_init,
	.fini = exec_fini,
	.exec_key = exec_pubkey,
	.exec_ready = exec_ready,
	.exec_run = exec_run,
	.exec_ssh_config = exec_ssh_config,
	.exec_disconnect = exec_disconnect,
};
