/*
 * Fuzz target for the ssh plugin's quoting: words joined for the remote
 * shell must split back (by the POSIX rules for '...' and \') into the
 * same words, and a value quoted for ssh options must read back as
 * itself by ssh's rules ("...", \" \\, %%) or be refused for a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 64

/* Split a line made by exec_shell_join back into words; compare. */
static void shell_roundtrip(int argc, const char *const argv[])
{
	char *line = exec_shell_join(argc, argv);
	char *word;
	const char *p;
	int n = 0;

	if (!line)
		abort();
	word = malloc(strlen(line) + 1);
	if (!word)
		abort();
	p = line;
	while (*p) {
		size_t len = 0;

		if (n > 0 && *p++ != ' ')
			abort();
		while (*p && *p != ' ') {
			if (*p == '\'') {
				for (p++; *p && *p != '\''; p++)
					word[len++] = *p;
				if (*p++ != '\'')
					abort();
			} else if (p[0] == '\\' && p[1] == '\'') {
				word[len++] = '\'';
				p += 2;
			} else {
				abort();
			}
		}
		word[len] = '\0';
		if (n >= argc || strcmp(word, argv[n]) != 0)
			abort();
		n++;
	}
	if (n != argc)
		abort();
	free(word);
	free(line);
}

static void config_roundtrip(const char *value)
{
	char out[512];
	char back[512];
	size_t i, n = 0, len;

	if (exec_config_quote(value, out, sizeof(out)) < 0) {
		if (!strstr(value, "${") && !strchr(value, '\n') &&
		    !strchr(value, '\r') && strlen(value) < 240)
			abort();
		return;
	}
	len = strlen(out);
	if (len < 2 || out[0] != '"' || out[len - 1] != '"')
		abort();
	for (i = 1; i + 1 < len; i++) {
		char c = out[i];

		if (c == '"')
			abort();
		if (c == '%' && out[i + 1] != '%')
			abort();
		if (c == '\\' && out[i + 1] != '"' && out[i + 1] != '\\')
			abort();
		if (c == '%' || c == '\\')
			c = out[++i];
		back[n++] = c;
	}
	back[n] = '\0';
	if (strcmp(back, value) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[MAX_WORDS];
	char *copy = malloc(size + 1);
	int argc = 0;
	size_t i;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = copy;
	for (i = 0; i < size && argc < MAX_WORDS; i++)
		if (copy[i] == '\0')
			argv[argc++] = copy + i + 1;
	shell_roundtrip(argc, argv);
	config_roundtrip(copy);
	free(copy);
	return 0;
}
