/*
 * Linux: KVM when /dev/kvm can be opened for reading and writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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

int platform_process_alive(pid_t pid)
{
	char path[64], buf[256], *close_paren;
	ssize_t n;
	int fd;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')'. */
	close_paren = strrchr(buf, ')');
	return !(close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z');
}

const char *platform_accel_hint(const char *accel)
{
	if (!strcmp(accel, "kvm"))
		return "KVM is present but may be unusable (nested "
		       "virtualization often is): try AQ_ACCEL=tcg";
	return "software emulation (TCG) is slow: a first boot can take "
	       "minutes on a loaded host; try 'aq start --timeout 600'";
}
