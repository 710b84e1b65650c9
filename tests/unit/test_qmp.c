/*
 * The QMP client against recorded QEMU transcripts.
 *
 * tests/data/qmp/NAME.txt holds what QEMU said ("S: JSON") and what the
 * client must send ("C: COMMAND"), in order.  A forked server replays it
 * on a unix socket and fails if the client sends something else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aq/plugin.h"
#include "error.h"
#include "qmp.h"

static char sock_path[108];

static int read_line(int fd, char *out, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		char c;

		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

static void replay(int lfd, const char *transcript)
{
	char line[4096], got[4096], want[256];
	FILE *f = fopen(transcript, "r");
	int fd = accept(lfd, NULL, NULL);

	if (!f || fd < 0)
		_exit(2);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "S: ", 3)) {
			dprintf(fd, "%s\r\n", line + 3);
			continue;
		}
		if (read_line(fd, got, sizeof(got)) < 0)
			_exit(3);
		snprintf(want, sizeof(want), "\"execute\":\"%s\"", line + 3);
		if (!strstr(got, want))
			_exit(4);
	}
	/* Hold the line open until the client is done. */
	while (read(fd, got, sizeof(got)) > 0)
		;
	_exit(0);
}

static pid_t serve(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char transcript[512];
	pid_t pid;
	int fd;

	snprintf(transcript, sizeof(transcript), "%s/tests/data/qmp/%s.txt",
		 AQ_SOURCE_DIR, name);
	snprintf(sock_path, sizeof(sock_path), "/tmp/aq-qmp-test-%ld.sock",
		 (long)getpid());
	unlink(sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		replay(fd, transcript);
	close(fd);
	return pid;
}

static int finish(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
	unlink(sock_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void powerdown(void **state)
{
	pid_t pid = serve("powerdown");
	struct qmp q = QMP_INIT;
	json_t *ret = NULL, *data = NULL;

	(void)state;
	assert_int_equal(qmp_open(&q, sock_path, 2000), 0);
	assert_int_equal(qmp_command(&q, "query-status", NULL, &ret, 2000), 0);
	assert_string_equal(json_string_value(json_object_get(ret, "status")),
			    "running");
	json_decref(ret);
	assert_int_equal(qmp_command(&q, "nonexistent", NULL, NULL, 2000), -1);
	assert_non_null(strstr(aq_error_last(), "has not been found"));
	/* The POWERDOWN event comes before the reply and is skipped. */
	assert_int_equal(qmp_command(&q, "system_powerdown", NULL, NULL, 2000),
			 0);
	assert_int_equal(qmp_wait_event(&q, "SHUTDOWN", &data, 2000), 0);
	assert_true(json_is_true(json_object_get(data, "guest")));
	json_decref(data);
	/* Nothing more comes: the wait times out. */
	assert_int_equal(qmp_wait_event(&q, "STOP", NULL, 200), AQ_ETIMEOUT);
	qmp_close(&q);
	assert_int_equal(finish(pid), 0);
}

static void no_greeting(void **state)
{
	pid_t pid = serve("no-greeting");
	struct qmp q = QMP_INIT;

	(void)state;
	assert_int_equal(qmp_open(&q, sock_path, 2000), -1);
	assert_non_null(strstr(aq_error_last(), "expected a greeting"));
	assert_int_equal(finish(pid), 0);
}

static void no_server(void **state)
{
	struct qmp q = QMP_INIT;

	(void)state;
	assert_int_equal(qmp_open(&q, "/nonexistent/qmp.sock", 500), -1);
	assert_non_null(strstr(aq_error_last(), "cannot connect"));
}

static void parse(void **state)
{
	char why[128];
	json_t *v;

	(void)state;
	assert_int_equal(qmp_parse("{\"QMP\": {}}", 11, why, sizeof(why), NULL),
			 QMP_GREETING);
	assert_int_equal(qmp_parse("[1]", 3, why, sizeof(why), NULL),
			 QMP_INVALID);
	assert_int_equal(qmp_parse("{", 1, why, sizeof(why), NULL),
			 QMP_INVALID);
	assert_int_equal(qmp_parse("{\"event\": \"STOP\"}", 17, why,
				   sizeof(why), &v), QMP_EVENT);
	assert_string_equal(why, "STOP");
	assert_null(v);
	assert_int_equal(qmp_parse("{\"error\": 5}", 12, why, sizeof(why),
				   NULL), QMP_ERROR);
	assert_int_equal(qmp_parse("{\"a\": 1, \"a\": 2}", 16, why, sizeof(why),
				   NULL), QMP_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(powerdown),
		cmocka_unit_test(no_greeting),
		cmocka_unit_test(no_server),
		cmocka_unit_test(parse),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
