/*
 * aq ls: one line per VM, aligned, meant for people and for grep;
 * --json for programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "error.h"
#include "portspec.h"
#include "util.h"
#include "banned.h"

struct row {
	struct vm vm;
	int running;
	int broken;
	char forwards[512];
};

static void row_forwards(struct row *r)
{
	size_t off = 0;

	r->forwards[0] = '\0';
	for (size_t i = 0; i < r->vm.nforwards; i++) {
		char one[96];
		int n;

		aq_portspec_short(&r->vm.forwards[i], one, sizeof(one));
		n = snprintf(r->forwards + off, sizeof(r->forwards) - off,
			     "%s%s", i ? "," : "", one);
		if (n < 0 || (size_t)n >= sizeof(r->forwards) - off)
			break;
		off += (size_t)n;
	}
	if (!r->forwards[0])
		snprintf(r->forwards, sizeof(r->forwards), "-");
}

static void print_table(struct row *rows, size_t n)
{
	int w = 4, fw = 8;

	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(rows[i].vm.name);
		int flen = (int)strlen(rows[i].forwards);

		w = len > w ? len : w;
		fw = flen > fw ? flen : fw;
	}
	printf("%-*s  %-7s  %-5s  %-*s  %4s  %6s  %6s\n", w, "NAME", "STATE",
	       "SSH", fw, "FORWARDS", "CPUS", "MEMORY", "DISK");
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		char mem[16], disk[16];

		if (r->broken) {
			printf("%-*s  %-7s\n", w, r->vm.name, "Broken");
			continue;
		}
		aq_format_size((long long)r->vm.memory_mib << 20, mem,
			       sizeof(mem));
		aq_format_size(r->vm.disk_bytes, disk, sizeof(disk));
		printf("%-*s  %-7s  %-5d  %-*s  %4d  %6s  %6s\n", w, r->vm.name,
		       r->running ? "Running" : "Stopped", r->vm.ssh_port, fw,
		       r->forwards, r->vm.cpus, mem, disk);
	}
}

static json_t *row_json(const struct row *r)
{
	json_t *fwd = json_array();
	char spec[128];

	for (size_t i = 0; i < r->vm.nforwards; i++) {
		const struct aq_forward *f = &r->vm.forwards[i];

		aq_portspec_format(f, spec, sizeof(spec));
		json_array_append_new(fwd, json_pack("{s:s,s:s,s:i,s:i}",
			"proto", f->proto, "host_addr", f->host_addr,
			"host_port", f->host_port, "guest_port",
			f->guest_port));
	}
	return json_pack("{s:s,s:s,s:i,s:o,s:i,s:i,s:I,s:s,s:s,s:s,s:s}",
		"name", r->vm.name,
		"state", r->broken ? "Broken" :
			 r->running ? "Running" : "Stopped",
		"ssh_port", r->vm.ssh_port, "forwards", fwd,
		"cpus", r->vm.cpus, "memory_mib", r->vm.memory_mib,
		"disk_bytes", (json_int_t)r->vm.disk_bytes,
		"mac", r->vm.mac, "image_version", r->vm.image_version,
		"dir", r->vm.dir, "created", r->vm.created);
}

static int print_json(const struct row *rows, size_t n)
{
	json_t *all = json_array();
	int ret;

	if (!all)
		return aq_error("out of memory");
	for (size_t i = 0; i < n; i++)
		json_array_append_new(all, row_json(&rows[i]));
	ret = json_dumpf(all, stdout, JSON_INDENT(2)) < 0 ? -1 : 0;
	fputc('\n', stdout);
	json_decref(all);
	return ret ? aq_error("cannot write JSON") : 0;
}

int cmd_ls(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct row *rows = NULL;
	char **names = NULL;
	size_t n = 0;
	int ret = AQ_EXIT_FAIL;

	if (argc > 2 || (argc == 2 && !json))
		return cmd_usage("ls", AQ_EXIT_USAGE);
	if (vm_list(&names, &n) < 0)
		return aq_error_report();
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		aq_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (vm_load(names[i], &rows[i].vm) < 0) {
			aq_log(AQ_LOG_WARN, "%s", aq_error_last());
			snprintf(rows[i].vm.name, sizeof(rows[i].vm.name),
				 "%s", names[i]);
			rows[i].broken = 1;
			continue;
		}
		rows[i].running = vm_pid(&rows[i].vm) != 0;
		row_forwards(&rows[i]);
	}
	if (json ? print_json(rows, n) < 0 : (print_table(rows, n), 0))
		goto out;
	ret = AQ_EXIT_OK;
out:
	if (ret)
		aq_error_report();
	free(rows);
	aq_names_free(names);
	return ret;
}
