/*
 * Quoting for the remote shell and for ssh's option syntax (see
 * exec_quote.h).
 */
#include <stdlib.h>
#include <string.h>

#include "exec_quote.h"

/* Bytes word takes once quoted: two quotes, and 4 for each '. */
static size_t exec_quoted_len(const char *word)
{
	size_t n = 2;

	for (; *word; word++)
		n += *word == '\'' ? 4 : 1;
	return n;
}

char *exec_shell_join(int argc, const char *const argv[])
{
	size_t total = 1;
	size_t pos = 0;
	char *out;
	int i;

	for (i = 0; i < argc; i++) {
		size_t n = exec_quoted_len(argv[i]) + 1;

		if (total > (size_t)-1 - n)
			return NULL;
		total += n;
	}
	out = malloc(total);
	if (!out)
		return NULL;
	for (i = 0; i < argc; i++) {
		const char *p;

		if (i > 0)
			out[pos++] = ' ';
		out[pos++] = '\'';
		for (p = argv[i]; *p; p++) {
			if (*p == '\'') {
				memcpy(out + pos, "'\\''", 4);
				pos += 4;
			} else {
				out[pos++] = *p;
			}
		}
		out[pos++] = '\'';
	}
	out[pos] = '\0';
	return out;
}

int exec_config_quote(const char *value, char *out, size_t len)
{
	size_t pos = 0;
	const char *p;

	if (len < 3)
		return -1;
	out[pos++] = '"';
	for (p = value; *p; p++) {
		int twice = *p == '"' || *p == '\\' || *p == '%';

		if (*p == '\n' || *p == '\r' || (p[0] == '$' && p[1] == '{'))
			return -1;
		if (pos + 1 + (size_t)twice + 2 > len)
			return -1;
		if (twice)
			out[pos++] = *p == '%' ? '%' : '\\';
		out[pos++] = *p;
	}
	out[pos++] = '"';
	out[pos] = '\0';
	return 0;
}
