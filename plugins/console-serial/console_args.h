/*
 * Pure helpers of the serial console plugin: the -chardev argument QEMU
 * gets and the paths of the console's files in a VM's directory.
 */
#ifndef CONSOLE_ARGS_H
#define CONSOLE_ARGS_H

#include <stddef.h>

/*
 * Write "DIR/FILE" into out (len bytes).  Returns 0, or -1 when it does
 * not fit.
 */
int console_path(const char *dir, const char *file, char *out, size_t len);

/*
 * Write the -chardev value for a socket console at DIR/console.sock that
 * logs to DIR/console.log, commas in DIR doubled as QEMU wants.  Returns
 * 0, or -1 when it does not fit in len bytes.
 */
int console_chardev_arg(const char *dir, char *out, size_t len);

#endif
