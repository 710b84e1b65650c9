/*
 * Running ssh with descriptors of our choosing.  host->run cannot serve
 * here: a session needs the caller's stdin, stdout and stderr, and a
 * master that goes to the background must not keep a pipe of ours open.
 */
#ifndef EXEC_SPAWN_H
#define EXEC_SPAWN_H

#include <aq/plugin.h>

enum exec_spawn_flags {
	/*
	 * Ignore SIGINT and SIGQUIT while waiting, as system() does: the
	 * terminal sends them to the child too, and the child decides.
	 * SIGTERM and SIGHUP are passed on to the child, then raised
	 * again in aq once it is gone.  Without this flag aq's signal
	 * dispositions are left alone.
	 */
	EXEC_SPAWN_FOREGROUND = 1 << 0
};

/*
 * Run argv (argv[0] searched in PATH) with fds[0..2] as its stdin,
 * stdout and stderr (-1 keeps aq's own), and wait.  The child starts
 * with SIGINT, SIGQUIT and SIGPIPE at their defaults.  *status is its exit
 * status, or 128 + N when signal N killed it.  Returns 0, or -1 with
 * the error recorded when it could not be started.  The descriptors
 * stay the caller's.
 */
int exec_spawn(const struct aq_host *host, const char *const argv[],
	       const int fds[3], unsigned int flags, int *status);

#endif
