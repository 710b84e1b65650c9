/*
 * The pure parts of the user-networking plugin: MAC formatting, the
 * addresses QEMU's hostfwd accepts, and the -netdev/-device arguments.
 * No I/O here, so unit and fuzz tests link this file alone.
 */
#ifndef NET_ARGS_H
#define NET_ARGS_H

#include "aq/plugin.h"

/*
 * Write raw as "xx:xx:xx:xx:xx:xx" after making it unicast (bit 0 of the
 * first octet clear) and locally administered (bit 1 set).
 */
void net_mac_format(const unsigned char raw[6], char out[AQ_MAC_LEN]);

/* Non-zero when mac is six hex pairs joined by ':' and unicast. */
int net_mac_valid(const char *mac);

/*
 * Check that addr is something hostfwd binds: a numeric IPv4 address
 * (QEMU 10's hostfwd refuses IPv6).  Fails through host->error.
 */
int net_addr_check(const struct aq_host *host, const char *addr);

/*
 * Append "-netdev user,..." with the SSH forward and vm's forwards, and
 * "-device virtio-net-pci,..." with vm's MAC.  Checks every forward
 * (protocol, address, ports, no two on one host port) first.
 */
int net_args_build(const struct aq_host *host, const struct aq_vm *vm,
		   struct aq_argv *argv);

#endif
