/*
 * Parsing and printing port forward specifications.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "portspec.h"
#include "util.h"
#include "banned.h"

static int port_parse(const char *s, const char *spec, int *out)
{
	long v;

	if (aq_parse_long(s, 1, 65535, &v) < 0)
		return aq_error("invalid port '%s' in '%s': use 1 to 65535",
				s, spec);
	*out = (int)v;
	return 0;
}

/* A dotted quad with each part 0..255 and no leading zeros or spaces. */
static int ipv4_valid(const char *s)
{
	int parts = 0;

	while (*s) {
		int v = 0, digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			if (++digits > 3)
				return 0;
		}
		if (!digits || v > 255 || (digits > 1 && s[-digits] == '0'))
			return 0;
		parts++;
		if (*s == '.' && parts < 4)
			s++;
		else if (*s)
			return 0;
	}
	return parts == 4;
}

int aq_portspec_parse(const char *spec, struct aq_forward *out)
{
	char work[128], *fields[4], *slash, *p;
	struct aq_forward f;
	int n = 0;

	memset(&f, 0, sizeof(f));
	if (aq_path(work, sizeof(work), "%s", spec) < 0)
		return aq_error("port forward '%.40s...' is too long", spec);
	snprintf(f.proto, sizeof(f.proto), "tcp");
	slash = strchr(work, '/');
	if (slash) {
		*slash++ = '\0';
		if (strcmp(slash, "tcp") && strcmp(slash, "udp"))
			return aq_error("invalid protocol '%s' in '%s': use "
					"tcp or udp", slash, spec);
		snprintf(f.proto, sizeof(f.proto), "%s", slash);
	}
	for (p = work; n < 4; n++) {
		fields[n] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n >= 3)
		return aq_error("invalid port forward '%s': use "
				"[ADDR:]HOST:GUEST or PORT", spec);
	n++;
	snprintf(f.host_addr, sizeof(f.host_addr), AQ_DEFAULT_BIND);
	if (n == 3) {
		if (!ipv4_valid(fields[0]))
			return aq_error("invalid address '%s' in '%s': use a "
					"numeric IPv4 address", fields[0],
					spec);
		snprintf(f.host_addr, sizeof(f.host_addr), "%s", fields[0]);
	}
	if (port_parse(fields[n == 3 ? 1 : 0], spec, &f.host_port) < 0)
		return -1;
	if (n == 1)
		f.guest_port = f.host_port;
	else if (port_parse(fields[n - 1], spec, &f.guest_port) < 0)
		return -1;
	*out = f;
	return 0;
}

int aq_portspec_format(const struct aq_forward *f, char *out, size_t len)
{
	return aq_path(out, len, "%s:%d:%d/%s", f->host_addr, f->host_port,
		       f->guest_port, f->proto);
}

void aq_portspec_short(const struct aq_forward *f, char *out, size_t len)
{
	int dflt = !strcmp(f->host_addr, AQ_DEFAULT_BIND);

	snprintf(out, len, "%s%s%d:%d%s", dflt ? "" : f->host_addr,
		 dflt ? "" : ":", f->host_port, f->guest_port,
		 strcmp(f->proto, "tcp") ? "/udp" : "");
}
