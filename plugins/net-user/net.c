/*
 * The net plugin "user": QEMU user networking (slirp) with host port
 * forwards, one virtio NIC per VM with a random locally administered MAC.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aq/plugin.h"
#include "net_args.h"

static const struct aq_host *net_host;

static int net_init(const struct aq_host *host)
{
	net_host = host;
	return 0;
}

static void net_fini(void)
{
	net_host = NULL;
}

static int net_random(unsigned char *buf, size_t len)
{
	size_t done = 0;
	int fd, ret = -1;

	fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0)
		return net_host->error("cannot open '/dev/urandom': %s",
				       strerror(errno));
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			net_host->error("cannot read '/dev/urandom': %s",
					n < 0 ? strerror(errno) : "short read");
			goto out;
		}
		done += (size_t)n;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static int net_mac_new(char out[AQ_MAC_LEN])
{
	unsigned char raw[6];

	if (net_random(raw, sizeof(raw)) < 0)
		return -1;
	net_mac_format(raw, out);
	return 0;
}

static int net_sockaddr(const char *addr, int port, struct sockaddr_in *sa)
{
	if (net_addr_check(net_host, addr) < 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, addr, &sa->sin_addr);
	return 0;
}

static int net_bind_error(const char *proto, const char *addr, int port,
			  int err)
{
	if (err == EADDRINUSE)
		return net_host->error("port %d/%s on %s is already in use",
				       port, proto, addr);
	if (err == EADDRNOTAVAIL)
		return net_host->error("cannot bind port %d/%s on %s: no such "
				       "address on this host", port, proto,
				       addr);
	return net_host->error("cannot bind port %d/%s on %s: %s", port,
			       proto, addr, strerror(err));
}

/*
 * Bind the way QEMU's slirp does for a hostfwd rule: TCP with
 * SO_REUSEADDR and then listen() (a bind can succeed beside a socket
 * that listen() then refuses), UDP with a plain bind.
 */
static int net_port_check(const char *proto, const char *addr, int port)
{
	struct sockaddr_in sa;
	int tcp, fd, one = 1, ret = -1;

	tcp = strcmp(proto, "tcp") == 0;
	if (!tcp && strcmp(proto, "udp") != 0)
		return net_host->error("invalid protocol '%s': want tcp or "
				       "udp", proto);
	if (port < 1 || port > 65535)
		return net_host->error("invalid port %d: want 1 to 65535",
				       port);
	if (net_sockaddr(addr, port, &sa) < 0)
		return -1;
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return net_host->error("cannot make a socket: %s",
				       strerror(errno));
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			      sizeof(one)) < 0) {
		net_host->error("cannot set SO_REUSEADDR: %s",
				strerror(errno));
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (tcp && listen(fd, 1) < 0)) {
		net_bind_error(proto, addr, port, errno);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static int net_port_pick(const char *addr)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, ret = -1;

	if (net_sockaddr(addr, 0, &sa) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return net_host->error("cannot make a socket: %s",
				       strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		net_bind_error("tcp", addr, 0, errno);
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		net_host->error("cannot read the port picked on %s: %s",
				addr, strerror(errno));
		goto out;
	}
	ret = ntohs(sa.sin_port);
out:
	close(fd);
	return ret;
}

static int net_qemu_args(const struct aq_vm *vm, struct aq_argv *argv)
{
	return net_args_build(net_host, vm, argv);
}

/* The one symbol the plugin exports (it is built -fvisibility=hidden). */
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const struct aq_plugin aq_plugin = {
	.abi_version = AQ_PLUGIN_ABI_VERSION,
	.name = "user",
	.concern = AQ_CONCERN_NET,
	.description = "QEMU user networking with host port forwards",
	.init = net_init,
	.fini = net_fini,
	.net_mac_new = net_mac_new,
	.net_port_check = net_port_check,
	.net_port_pick = net_port_pick,
	.net_qemu_args = net_qemu_args,
};
