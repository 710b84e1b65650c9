/*
 * The seam between aq and the host operating system.
 *
 * Everything that differs between Linux and macOS lives behind these
 * calls, in platform_linux.c and platform_darwin.c (the Makefile builds
 * the one for the host).  The plugin file suffix (.so / .dylib) is the
 * only other difference and is set by the Makefile as AQ_PLUGIN_SUFFIX.
 */
#ifndef AQ_PLATFORM_H
#define AQ_PLATFORM_H

#include <sys/types.h>

/* The host CPU as Alpine names it: "x86_64" or "aarch64". */
const char *platform_host_arch(void);

/*
 * The best accelerator for guests of arch on this host: "kvm" (Linux,
 * /dev/kvm usable), "hvf" (macOS, Hypervisor.framework available), else
 * "tcg".  A guest of another arch always gets "tcg".
 */
const char *platform_accel_detect(const char *arch);

/*
 * Whether process pid exists and has not exited.  QEMU daemonizes, so
 * its parent is init; where init does not reap (containers), a dead QEMU
 * stays a zombie that kill(pid, 0) still finds.
 */
int platform_process_alive(pid_t pid);

/* Why a VM might hang at boot with this accelerator, for the hint. */
const char *platform_accel_hint(const char *accel);

#endif
