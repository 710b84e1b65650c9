/*
 * A QMP (QEMU Machine Protocol) client over the VM's qmp.sock.
 *
 * QMP is one JSON object per line.  On connect QEMU sends a greeting and
 * accepts nothing but qmp_capabilities until that is acknowledged, so
 * qmp_open() does both before it returns.  Events ({"event": ...}) may
 * arrive between a command and its reply; qmp_command() skips them and
 * qmp_wait_event() waits for one by name.
 *
 * Replies are parsed with jansson.  Every call has a timeout, so a hung
 * QEMU cannot hang aq.
 */
#ifndef AQ_QMP_H
#define AQ_QMP_H

#include <stddef.h>

#include <jansson.h>

#define QMP_BUF_MAX (1u << 20)

struct qmp {
	int fd;
	char *buf;		/* received, not yet parsed */
	size_t len;
	size_t cap;
};

#define QMP_INIT { -1, NULL, 0, 0 }

/* What one line from QEMU is. */
enum qmp_kind {
	QMP_GREETING,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
	QMP_INVALID
};

/*
 * Classify one QMP message.  For QMP_ERROR, the "desc" is copied into
 * why; for QMP_EVENT, the event name.  *out (when not NULL) gets a new
 * reference to the "return" value or the event's "data" (may be NULL).
 */
enum qmp_kind qmp_parse(const char *line, size_t len, char *why,
			size_t whylen, json_t **out);

/* Connect to path, read the greeting, negotiate capabilities. */
int qmp_open(struct qmp *q, const char *path, int timeout_ms);

/*
 * Run a command (args may be NULL; a reference is NOT taken).  *ret
 * (when not NULL) gets a new reference to the return value.  A QMP error
 * reply becomes an error naming the command and QEMU's description.
 */
int qmp_command(struct qmp *q, const char *cmd, json_t *args, json_t **ret,
		int timeout_ms);

/*
 * Wait for event name; *data (when not NULL) gets a reference to its
 * data.  AQ_ETIMEOUT when it did not come in time; -1 when the
 * connection closed first.
 */
int qmp_wait_event(struct qmp *q, const char *name, json_t **data,
		   int timeout_ms);

void qmp_close(struct qmp *q);

#endif
