/*
 * aq monitor: talk to QEMU's human monitor (HMP) on control.sock.
 *
 * On a terminal, aq relays to control.sock, where QEMU's own line editor
 * runs; end with Ctrl-D.  From a pipe or a script, each line is sent as
 * one command through QMP (human-monitor-command) and only QEMU's answer
 * is printed, without the editor's echo and escape codes:
 *
 *	echo 'info status' | aq monitor web
 *
 * `quit` stops the VM at once, like pulling the plug.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "qmp.h"
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

#define MONITOR_TIMEOUT_MS 30000

/* One HMP command per line of stdin, through QMP. */
static int monitor_script(const struct vm *vm)
{
	char path[AQ_PATH_MAX], line[4096];
	struct qmp q = QMP_INIT;
	int ret = 0;

	if (vm_file(vm, AQ_VM_QMP, path, sizeof(path)) < 0 ||
	    qmp_open(&q, path, MONITOR_TIMEOUT_MS) < 0)
		return -1;
	while (ret == 0 && fgets(line, sizeof(line), stdin)) {
		json_t *args, *out = NULL;

		aq_rtrim(line);
		if (!line[0])
			continue;
		args = json_pack("{s:s}", "command-line", line);
		ret = qmp_command(&q, "human-monitor-command", args, &out,
				  MONITOR_TIMEOUT_MS);
		json_decref(args);
		if (ret == 0 && json_is_string(out))
			fputs(json_string_value(out), stdout);
		json_decref(out);
		/* After `quit` QEMU is gone and the closed socket is fine. */
		if (ret < 0 && !strncmp(line, "quit", 4)) {
			aq_error_clear();
			ret = 0;
			break;
		}
	}
	qmp_close(&q);
	return ret;
}

int cmd_monitor(int argc, char **argv)
{
	struct vm vm;
	int fd;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage("monitor", AQ_EXIT_USAGE);
	if (cmd_load_vm(argv[1], 1, &vm) < 0)
		goto fail;
	if (!isatty(0)) {
		if (monitor_script(&vm) < 0)
			goto fail;
		return AQ_EXIT_OK;
	}
	fd = monitor_connect(&vm);
	if (fd < 0)
		goto fail;
	fprintf(stderr, "aq: QEMU monitor of %s; Ctrl-D leaves, 'quit' kills "
		"the VM\n", argv[1]);
	relay(fd);
	close(fd);
	return AQ_EXIT_OK;
fail:
	aq_error_wrap("cannot open the monitor of '%s'", argv[1]);
	return aq_error_report();
}
