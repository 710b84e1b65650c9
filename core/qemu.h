/*
 * The QEMU command line of a VM and starting QEMU.
 *
 * The core sets what is the machine's own (accelerator, CPU, memory,
 * firmware, control sockets); the disk, net and console plugins each add
 * their devices through their qemu_args hooks.
 */
#ifndef AQ_QEMU_H
#define AQ_QEMU_H

#include "loader.h"
#include "vm.h"

/*
 * Choose vm->accel: $AQ_ACCEL, then [aq] accel, then what the host
 * offers (platform_accel_detect).  An unknown name is an error.
 */
int qemu_choose_accel(struct vm *vm);

/* The whole command line for vm (accel already chosen). */
int qemu_argv(const struct vm *vm, struct aq_argv *argv);

/*
 * Start QEMU daemonized.  Returns once QEMU has daemonized (the VM is
 * running) or failed, in which case QEMU's own message is the error.
 */
int qemu_launch(const struct vm *vm);

/* The same with more arguments at the end (NULL-terminated). */
int qemu_launch_extra(const struct vm *vm, const char *const extra[]);

/* Escape a value for a QEMU option list (',' becomes ',,'). */
int qemu_escape(const char *in, char *out, size_t len);

#endif
