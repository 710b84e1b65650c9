/*
 * Fuzz the net plugin's -netdev/-device arguments with arbitrary VMs:
 * whatever the MAC, ports and forwards hold, an accepted VM gives a
 * -netdev value made only of well-formed hostfwd rules, one per forward.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_FWDS 6

struct aq_argv {
	char *v[8];
	int n;
};

static int f_error(const char *fmt, ...)
{
	(void)fmt;
	return -1;
}

static int f_argv_add(struct aq_argv *argv, const char *arg)
{
	if (argv->n >= 8)
		abort();
	argv->v[argv->n++] = strdup(arg);
	return 0;
}

/* Take n bytes from the input (zeros once it runs out). */
static void f_take(const uint8_t **data, size_t *size, void *out, size_t n)
{
	size_t k = n < *size ? n : *size;

	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
}

static int f_port(const uint8_t **data, size_t *size)
{
	unsigned char b[3];

	f_take(data, size, b, 3);
	return ((b[0] << 16 | b[1] << 8 | b[2]) % 70000) - 2;
}

/* Each comma-separated part is "user", "id=net0" or one hostfwd rule. */
static void f_check_netdev(const char *spec, size_t nfwd)
{
	char *copy = strdup(spec), *p = copy, *part;
	size_t rules = 0;

	if (!copy || strncmp(spec, "user,id=net0,", 13) != 0)
		abort();
	p += 13;
	while ((part = p) && *part) {
		char proto[4], addr[16], rest[2];
		unsigned int a, b, c, d, hp, gp;

		p = strchr(part, ',');
		if (p)
			*p++ = '\0';
		else
			p = part + strlen(part);
		if (sscanf(part, "hostfwd=%3[a-z]:%15[0-9.]:%u-:%u%1s", proto,
			   addr, &hp, &gp, rest) != 4 ||
		    sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 ||
		    hp < 1 || hp > 65535 || gp < 1 || gp > 65535)
			abort();
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			abort();
		rules++;
	}
	if (rules != nfwd + 1)
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aq_host host = {
		.abi_version = AQ_PLUGIN_ABI_VERSION,
		.error = f_error,
		.argv_add = f_argv_add,
	};
	struct aq_forward fwd[F_FWDS];
	struct aq_argv argv = { { NULL }, 0 };
	struct aq_vm vm;
	char mac[AQ_MAC_LEN + 2];
	unsigned char n;
	size_t i;

	memset(&vm, 0, sizeof(vm));
	f_take(&data, &size, mac, sizeof(mac) - 1);
	mac[sizeof(mac) - 1] = '\0';
	f_take(&data, &size, &n, 1);
	vm.name = "fuzz";
	vm.mac = mac;
	vm.ssh_port = f_port(&data, &size);
	vm.nforwards = n % (F_FWDS + 1);
	vm.forwards = fwd;
	for (i = 0; i < vm.nforwards; i++) {
		f_take(&data, &size, fwd[i].proto, sizeof(fwd[i].proto));
		fwd[i].proto[sizeof(fwd[i].proto) - 1] = '\0';
		f_take(&data, &size, fwd[i].host_addr, 16);
		fwd[i].host_addr[16] = '\0';
		fwd[i].host_port = f_port(&data, &size);
		fwd[i].guest_port = f_port(&data, &size);
	}
	if (net_args_build(&host, &vm, &argv) == 0) {
		if (argv.n != 4 || !net_mac_valid(mac))
			abort();
		f_check_netdev(argv.v[1], vm.nforwards);
		if (strncmp(argv.v[3], "virtio-net-pci,netdev=net0,mac=",
			    31) != 0 || strcmp(argv.v[3] + 31, mac) != 0)
			abort();
	}
	for (i = 0; i < (size_t)argv.n; i++)
		free(argv.v[i]);
	return 0;
}
