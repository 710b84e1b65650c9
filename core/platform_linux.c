/*
 * Linux: KVM when /dev/kvm can be opened for reading and writing.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "platform_common.h"
#include "banned.h"

const char *platform_host_arch(void)
{
	return platform_uname_arch();
}

const char *platform_accel_detect(const char *arch)
{
	int fd;

	if (strcmp(arch, platform_host_arch()))
		return "tcg";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "tcg";
	close(fd);
	return "kvm";
}

const char *platform_accel_hint(const char *accel)
{
	if (!strcmp(accel, "kvm"))
		return "KVM is present but may be unusable (nested "
		       "virtualization often is): try AQ_ACCEL=tcg";
	return "software emulation (TCG) is slow: a first boot can take "
	       "minutes on a loaded host; try 'aq start --timeout 600'";
}
