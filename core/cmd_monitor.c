/*
 * aq monitor: talk to QEMU's human monitor (HMP) on control.sock.
 *
 * Lines typed go to QEMU and its answers come back; end with Ctrl-D.
 * `quit` there stops the VM at once, like pulling the plug.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "util.h"
#include "banned.h"

static int monitor_connect(const struct vm *vm)
{
	struct sockaddr_un sa;
	char path[AQ_PATH_MAX];
	int fd;

	if (vm_file(vm, AQ_VM_MONITOR, path, sizeof(path)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return aq_error("socket path '%s' is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return aq_error_errno("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return aq_error_errno("cannot connect to '%s'", path);
	}
	return fd;
}

static int copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		off += w;
	}
	return 1;
}

static int relay(int fd)
{
	struct pollfd p[2] = { { 0, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int stdin_open = 1;

	for (;;) {
		int r = poll(p + !stdin_open, stdin_open ? 2 : 1,
			     stdin_open ? -1 : 500);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (stdin_open && p[0].revents) {
			if (!copy(0, fd)) {
				/* Give QEMU a moment to answer the last line. */
				stdin_open = 0;
				shutdown(fd, SHUT_WR);
				continue;
			}
		}
		if (p[1].revents && !copy(fd, 1))
			return 0;
	}
}

int cmd_monitor(int argc, char **argv)
{
	struct vm vm;
	int fd;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage("monitor", AQ_EXIT_USAGE);
	if (cmd_load_vm(argv[1], 1, &vm) < 0 ||
	    (fd = monitor_connect(&vm)) < 0) {
		aq_error_wrap("cannot open the monitor of '%s'", argv[1]);
		return aq_error_report();
	}
	if (isatty(0))
		fprintf(stderr, "aq: QEMU monitor of %s; Ctrl-D leaves, "
			"'quit' kills the VM\n", argv[1]);
	relay(fd);
	close(fd);
	return AQ_EXIT_OK;
}
