/*
 * Pure helpers of the user-networking plugin.  The hostfwd syntax
 * (QEMU 10, -netdev user) is
 *	hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport
 * with an empty guest address meaning the DHCP guest, 10.0.2.15.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_args.h"

/* "hostfwd=udp:255.255.255.255:65535-:65535," with room to spare. */
#define NET_FWD_MAX 64
/* Far more than anyone forwards; keeps the -netdev value bounded. */
#define NET_FWDS_MAX 1024

void net_mac_format(const unsigned char raw[6], char out[AQ_MAC_LEN])
{
	unsigned char first = (unsigned char)((raw[0] & ~0x01u) | 0x02u);

	snprintf(out, AQ_MAC_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", first,
		 raw[1], raw[2], raw[3], raw[4], raw[5]);
}

static int net_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_mac_valid(const char *mac)
{
	int i;

	if (strlen(mac) != AQ_MAC_LEN - 1)
		return 0;
	for (i = 0; i < AQ_MAC_LEN - 1; i++) {
		if (i % 3 == 2) {
			if (mac[i] != ':')
				return 0;
		} else if (net_hex(mac[i]) < 0) {
			return 0;
		}
	}
	return (net_hex(mac[1]) & 1) == 0;
}

int net_addr_check(const struct aq_host *host, const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return 0;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return host->error("cannot forward from '%s': QEMU's user "
				   "networking forwards IPv4 addresses only",
				   addr);
	return host->error("invalid address '%s': want a numeric IPv4 "
			   "address such as 127.0.0.1", addr);
}

static int net_port_ok(int port)
{
	return port >= 1 && port <= 65535;
}

static int net_fwd_check(const struct aq_host *host,
			 const struct aq_forward *f)
{
	if (strcmp(f->proto, "tcp") != 0 && strcmp(f->proto, "udp") != 0)
		return host->error("invalid forward protocol '%s': want tcp "
				   "or udp", f->proto);
	if (net_addr_check(host, f->host_addr) < 0)
		return -1;
	if (!net_port_ok(f->host_port) || !net_port_ok(f->guest_port))
		return host->error("invalid forward %d-%d/%s: ports are 1 to "
				   "65535", f->host_port, f->guest_port,
				   f->proto);
	return 0;
}

/* Two forwards clash when one host socket would take both. */
static int net_fwd_clash(const struct aq_forward *a,
			 const struct aq_forward *b)
{
	struct in_addr x, y;

	if (strcmp(a->proto, b->proto) != 0 || a->host_port != b->host_port)
		return 0;
	if (inet_pton(AF_INET, a->host_addr, &x) != 1 ||
	    inet_pton(AF_INET, b->host_addr, &y) != 1)
		return 0;
	return x.s_addr == y.s_addr || x.s_addr == htonl(INADDR_ANY) ||
	       y.s_addr == htonl(INADDR_ANY);
}

static int net_fwds_check(const struct aq_host *host, const struct aq_vm *vm,
			  const struct aq_forward *ssh)
{
	size_t i, j;

	for (i = 0; i < vm->nforwards; i++) {
		const struct aq_forward *f = &vm->forwards[i];

		if (net_fwd_check(host, f) < 0)
			return -1;
		if (net_fwd_clash(f, ssh))
			return host->error("port %d/%s on %s is taken by the "
					   "SSH forward of '%s'", f->host_port,
					   f->proto, f->host_addr, vm->name);
		for (j = 0; j < i; j++)
			if (net_fwd_clash(f, &vm->forwards[j]))
				return host->error("port %d/%s on %s is "
						   "forwarded twice",
						   f->host_port, f->proto,
						   f->host_addr);
	}
	return 0;
}

static int net_fwd_add(char *buf, size_t len, size_t *used,
		       const struct aq_forward *f)
{
	int n = snprintf(buf + *used, len - *used, ",hostfwd=%s:%s:%d-:%d",
			 f->proto, f->host_addr, f->host_port, f->guest_port);

	if (n < 0 || (size_t)n >= len - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* The -netdev value, malloc'd; NULL when out of memory. */
static char *net_netdev_spec(const struct aq_vm *vm,
			     const struct aq_forward *ssh)
{
	size_t len = NET_FWD_MAX * (vm->nforwards + 2), used, i;
	char *buf = NULL;
	int n;

	buf = malloc(len);
	if (!buf)
		return NULL;
	n = snprintf(buf, len, "user,id=net0");
	used = (size_t)n;
	if (net_fwd_add(buf, len, &used, ssh) < 0)
		goto out;
	for (i = 0; i < vm->nforwards; i++)
		if (net_fwd_add(buf, len, &used, &vm->forwards[i]) < 0)
			goto out;
	return buf;
out:
	free(buf);
	return NULL;
}

static int net_add_netdev(const struct aq_host *host, const struct aq_vm *vm,
			  const struct aq_forward *ssh, struct aq_argv *argv)
{
	char *spec = net_netdev_spec(vm, ssh);
	int ret = -1;

	if (!spec)
		return host->error("cannot build the network option of '%s'",
				   vm->name);
	if (host->argv_add(argv, "-netdev") < 0 ||
	    host->argv_add(argv, spec) < 0)
		goto out;
	ret = 0;
out:
	free(spec);
	return ret;
}

static int net_add_device(const struct aq_host *host, const struct aq_vm *vm,
			  struct aq_argv *argv)
{
	char dev[64 + AQ_MAC_LEN];
	int n;

	n = snprintf(dev, sizeof(dev), "virtio-net-pci,netdev=net0,mac=%s",
		     vm->mac);
	if (n < 0 || (size_t)n >= sizeof(dev))
		return host->error("cannot build the NIC option of '%s'",
				   vm->name);
	if (host->argv_add(argv, "-device") < 0 ||
	    host->argv_add(argv, dev) < 0)
		return -1;
	return 0;
}

int net_args_build(const struct aq_host *host, const struct aq_vm *vm,
		   struct aq_argv *argv)
{
	struct aq_forward ssh = { "tcp", "127.0.0.1", 0, 22 };

	if (!vm->mac || !net_mac_valid(vm->mac))
		return host->error("invalid MAC address '%s' for '%s'",
				   vm->mac ? vm->mac : "", vm->name);
	if (!net_port_ok(vm->ssh_port))
		return host->error("invalid SSH port %d for '%s'",
				   vm->ssh_port, vm->name);
	ssh.host_port = vm->ssh_port;
	if (vm->nforwards > NET_FWDS_MAX || (vm->nforwards && !vm->forwards))
		return host->error("cannot forward %zu ports for '%s'",
				   vm->nforwards, vm->name);
	if (net_fwds_check(host, vm, &ssh) < 0)
		return -1;
	if (net_add_netdev(host, vm, &ssh, argv) < 0)
		return -1;
	return net_add_device(host, vm, argv);
}
