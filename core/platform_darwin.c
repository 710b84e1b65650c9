/*
 * macOS: Hypervisor.framework (QEMU's hvf accelerator) when the kernel
 * reports support for it.  Plugins are .dylib files; aarch64 guests boot
 * UEFI firmware (see qemu.c).
 */
#define _DARWIN_C_SOURCE 1

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>

#include "platform.h"
#include "platform_common.h"
#include "banned.h"

const char *platform_host_arch(void)
{
	return platform_uname_arch();
}

const char *platform_accel_detect(const char *arch)
{
	int supported = 0;
	size_t len = sizeof(supported);

	if (strcmp(arch, platform_host_arch()))
		return "tcg";
	if (sysctlbyname("kern.hv_support", &supported, &len, NULL, 0) < 0)
		return "tcg";
	return supported ? "hvf" : "tcg";
}

/* launchd reaps orphans, so a signal 0 is enough here. */
int platform_process_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

const char *platform_accel_hint(const char *accel)
{
	if (!strcmp(accel, "hvf"))
		return "Hypervisor.framework is in use; if the guest hangs, "
		       "try AQ_ACCEL=tcg to rule it out";
	return "software emulation (TCG) is slow: a first boot can take "
	       "minutes; try 'aq start --timeout 600'";
}
