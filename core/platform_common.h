/*
 * Helpers both platform files share.
 */
#ifndef AQ_PLATFORM_COMMON_H
#define AQ_PLATFORM_COMMON_H

#include <string.h>
#include <sys/utsname.h>

static inline const char *platform_uname_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "x86_64";
	if (!strcmp(u.machine, "arm64") || !strcmp(u.machine, "aarch64"))
		return "aarch64";
	return "x86_64";
}

#endif
