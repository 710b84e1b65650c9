/*
 * Port forward specifications, as given to `aq new -p` and kept in vm.ini:
 *
 *   PORT             host 127.0.0.1:PORT to guest PORT, tcp
 *   HOST:GUEST       host 127.0.0.1:HOST to guest GUEST
 *   ADDR:HOST:GUEST  bind ADDR (numeric IPv4) instead of 127.0.0.1
 *   any of these followed by /tcp or /udp
 */
#ifndef AQ_PORTSPEC_H
#define AQ_PORTSPEC_H

#include <stddef.h>

#include "aq/plugin.h"

#define AQ_DEFAULT_BIND "127.0.0.1"

/* Parse spec into *out; a message says what is wrong with it. */
int aq_portspec_parse(const char *spec, struct aq_forward *out);

/* The canonical form, "ADDR:HOST:GUEST/PROTO", which parses back. */
int aq_portspec_format(const struct aq_forward *f, char *out, size_t len);

/* A short form for `aq ls`: "8080:80", "0.0.0.0:53:53/udp". */
void aq_portspec_short(const struct aq_forward *f, char *out, size_t len);

#endif
