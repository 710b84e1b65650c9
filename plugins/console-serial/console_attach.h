/*
 * Attaching the calling terminal (or any stdin/stdout pair) to a VM's
 * serial console socket, as console_attach in plugin.h asks.
 */
#ifndef CONSOLE_ATTACH_H
#define CONSOLE_ATTACH_H

#include <aq/plugin.h>

/*
 * After stdin reaches end-of-file (when it is not a terminal), keep
 * copying the VM's output until it has been quiet this long, or at most
 * CONSOLE_DRAIN_MS, so a script that pipes a few lines in still sees the
 * answer to the last one.
 */
#define CONSOLE_QUIET_MS 1000
#define CONSOLE_DRAIN_MS 10000

/* Lock file in the VM's directory held while a console is attached. */
#define CONSOLE_LOCK "console.lock"

int console_attach_run(const struct aq_host *host, const struct aq_vm *vm);

#endif
