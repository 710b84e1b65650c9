/*
 * Pure helpers of the serial console plugin (see console_args.h).
 */
#include <stdio.h>
#include <string.h>

#include <aq/plugin.h>

#include "console_args.h"

int console_path(const char *dir, const char *file, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Append s to out at *pos, doubling commas; -1 when it does not fit. */
static int console_put(char *out, size_t len, size_t *pos, const char *s,
		       int escape)
{
	for (; *s; s++) {
		size_t need = escape && *s == ',' ? 2 : 1;

		if (*pos + need >= len)
			return -1;
		out[(*pos)++] = *s;
		if (need == 2)
			out[(*pos)++] = ',';
	}
	out[*pos] = '\0';
	return 0;
}

int console_chardev_arg(const char *dir, char *out, size_t len)
{
	const char *const parts[] = {
		"socket,id=serial0,path=", dir, "/" AQ_VM_CONSOLE,
		",server=on,wait=off,logfile=", dir, "/" AQ_VM_CONSOLE_LOG,
		",logappend=on"
	};
	size_t pos = 0;
	size_t i;

	if (len == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (console_put(out, len, &pos, parts[i], parts[i] == dir) < 0)
			return -1;
	return 0;
}
