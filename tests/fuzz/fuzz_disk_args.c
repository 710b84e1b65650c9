/*
 * Fuzz the disk plugin's -drive arguments with arbitrary VM directories:
 * whatever the path holds, undoing QEMU's ',,' escape on the file= value
 * gives the path back, so no option can be smuggled in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

/* The file= value of a -drive argument, unescaped; NULL if malformed. */
static char *f_file(const char *opt)
{
	const char *p = opt + strlen("file=");
	char *out = malloc(strlen(opt) + 1), *o = out;

	if (!out || strncmp(opt, "file=", 5) != 0)
		abort();
	for (; *p; p++) {
		if (*p == ',' && p[1] != ',')
			break;
		*o++ = *p;
		if (*p == ',')
			p++;
	}
	*o = '\0';
	return out;
}

static void f_check(const char *opt, const char *dir, const char *name)
{
	char want[2 * AQ_PATH_MAX];
	char *got = f_file(opt);

	snprintf(want, sizeof(want), "%s/%s", dir, name);
	if (strcmp(got, want) != 0)
		abort();
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aq_host host = {
		.abi_version = AQ_PLUGIN_ABI_VERSION,
		.error = f_error,
		.argv_add = f_argv_add,
	};
	struct aq_argv argv = { { NULL }, 0 };
	struct aq_vm vm;
	char *dir = malloc(size + 1);
	int i;

	if (!dir)
		return 0;
	memcpy(dir, data, size);
	dir[size] = '\0';
	memset(&vm, 0, sizeof(vm));
	vm.name = "fuzz";
	vm.dir = dir;
	if (disk_args_build(&host, &vm, "writeback", 1, &argv) == 0) {
		if (argv.n != 8 || dir[0] != '/')
			abort();
		f_check(argv.v[1], dir, AQ_VM_DISK);
		f_check(argv.v[5], dir, AQ_VM_SEED);
	}
	for (i = 0; i < argv.n; i++)
		free(argv.v[i]);
	free(dir);
	return 0;
}
