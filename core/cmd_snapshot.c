/*
 * aq snapshot: take, list, show as a tree, and remove snapshots.
 *
 *   aq snapshot create NAME TAG   cold when NAME is stopped, live when
 *                                 it runs
 *   aq snapshot ls [--json]       tag, kind, parent, size, date, users
 *   aq snapshot tree              snapshots and VMs by what they sit on
 *   aq snapshot rm TAG...         refused while anything depends on TAG
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "error.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

struct snap_row {
	struct snapshot s;
	struct aq_buf vms;
	struct aq_buf children;
	long long bytes;
};

static int snap_usage(void)
{
	return cmd_usage("snapshot", AQ_EXIT_USAGE);
}

static int snap_create(int argc, char **argv)
{
	if (argc != 3)
		return snap_usage();
	if (snapshot_create(argv[1], argv[2]) < 0) {
		aq_error_wrap("cannot take snapshot '%s' of '%s'", argv[2],
			      argv[1]);
		return aq_error_report();
	}
	printf("Created snapshot %s\n", argv[2]);
	return AQ_EXIT_OK;
}

static void rows_free(struct snap_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		aq_buf_release(&rows[i].vms);
		aq_buf_release(&rows[i].children);
	}
	free(rows);
}

/* Every snapshot with its users; a broken one is warned about, skipped. */
static int rows_load(struct snap_row **out, size_t *count)
{
	char **tags = NULL;
	struct snap_row *rows;
	size_t n, k = 0;

	if (snapshot_list(&tags, &n) < 0)
		return -1;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		aq_names_free(tags);
		return aq_error("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct snap_row *r = &rows[k];

		r->vms = (struct aq_buf)AQ_BUF_INIT;
		r->children = (struct aq_buf)AQ_BUF_INIT;
		if (snapshot_load(tags[i], &r->s) < 0 ||
		    snapshot_users(&r->s, &r->vms, &r->children) < 0) {
			aq_log(AQ_LOG_WARN, "%s", aq_error_last());
			aq_error_clear();
			aq_buf_release(&r->vms);
			aq_buf_release(&r->children);
			continue;
		}
		r->bytes = snapshot_disk_usage(&r->s);
		k++;
	}
	aq_names_free(tags);
	*out = rows;
	*count = k;
	return 0;
}

static void print_table(const struct snap_row *rows, size_t n)
{
	int tw = 3, pw = 6;

	for (size_t i = 0; i < n; i++) {
		int t = (int)strlen(rows[i].s.tag);
		int p = (int)strlen(rows[i].s.parent);

		tw = t > tw ? t : tw;
		pw = p > pw ? p : pw;
	}
	printf("%-*s  %-4s  %-*s  %6s  %-20s  %s\n", tw, "TAG", "KIND", pw,
	       "PARENT", "SIZE", "CREATED", "USERS");
	for (size_t i = 0; i < n; i++) {
		const struct snap_row *r = &rows[i];
		char size[16];

		aq_format_size(r->bytes, size, sizeof(size));
		printf("%-*s  %-4s  %-*s  %6s  %-20s  %s\n", tw, r->s.tag,
		       r->s.live ? "live" : "cold", pw,
		       r->s.parent[0] ? r->s.parent : "-", size,
		       r->s.created, r->vms.len ? r->vms.s : "-");
	}
}

/* "a, b" as ["a", "b"]. */
static json_t *names_json(const char *list)
{
	json_t *a = json_array();
	const char *end;

	for (const char *v = *list ? list : NULL; a && v;
	     v = end ? end + 2 : NULL) {
		end = strstr(v, ", ");
		json_array_append_new(a, json_stringn(v, end ? (size_t)(end - v) :
						      strlen(v)));
	}
	return a;
}

static json_t *row_json(const struct snap_row *r)
{
	return json_pack("{s:s,s:s,s:s?,s:s,s:s,s:I,s:s,s:o,s:o,s:i,s:i}",
		"tag", r->s.tag, "kind", r->s.live ? "live" : "cold",
		"parent", r->s.parent[0] ? r->s.parent : NULL,
		"source", r->s.source, "base", r->s.base,
		"bytes", (json_int_t)r->bytes, "created", r->s.created,
		"vms", names_json(r->vms.s),
		"children", names_json(r->children.s),
		"memory_mib", r->s.memory_mib, "cpus", r->s.cpus);
}

static int print_json(const struct snap_row *rows, size_t n)
{
	json_t *all = json_array();
	int ret;

	if (!all)
		return aq_error("out of memory");
	for (size_t i = 0; i < n; i++)
		json_array_append_new(all, row_json(&rows[i]));
	ret = json_dumpf(all, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(all);
	return ret < 0 ? aq_error("cannot write JSON") : 0;
}

static int snap_ls(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct snap_row *rows = NULL;
	size_t n = 0;
	int ret = AQ_EXIT_OK;

	if (argc > 2 || (argc == 2 && !json))
		return snap_usage();
	if (rows_load(&rows, &n) < 0)
		return aq_error_report();
	if (json && print_json(rows, n) < 0)
		ret = aq_error_report();
	else if (!json)
		print_table(rows, n);
	rows_free(rows, n);
	return ret;
}

/* Print the users of tag (snapshots, then VMs) under prefix. */
static void tree_below(const struct snap_row *rows, size_t n,
		       const char *tag, const char *prefix)
{
	const struct snap_row *self = NULL;
	size_t kids = 0, seen = 0;
	const char *v, *end;
	char sub[1024];

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(rows[i].s.parent, tag))
			kids++;
		if (!strcmp(rows[i].s.tag, tag))
			self = &rows[i];
	}
	for (v = self && self->vms.len ? self->vms.s : NULL; v;
	     v = strstr(v, ", ") ? strstr(v, ", ") + 2 : NULL)
		kids++;
	for (size_t i = 0; i < n; i++) {
		const struct snap_row *r = &rows[i];
		char size[16];
		int last;

		if (strcmp(r->s.parent, tag))
			continue;
		last = ++seen == kids;
		aq_format_size(r->bytes, size, sizeof(size));
		printf("%s%s%s (%s, %s, from %s)\n", prefix,
		       last ? "`-- " : "|-- ", r->s.tag,
		       r->s.live ? "live" : "cold", size, r->s.source);
		snprintf(sub, sizeof(sub), "%s%s", prefix,
			 last ? "    " : "|   ");
		tree_below(rows, n, r->s.tag, sub);
	}
	for (v = self && self->vms.len ? self->vms.s : NULL; v;
	     v = end ? end + 2 : NULL) {
		end = strstr(v, ", ");
		printf("%s%sVM %.*s\n", prefix, ++seen == kids ? "`-- " :
		       "|-- ", end ? (int)(end - v) : (int)strlen(v), v);
	}
}

static int snap_tree(int argc, char **argv)
{
	struct snap_row *rows = NULL;
	size_t n = 0;

	(void)argv;
	if (argc != 1)
		return snap_usage();
	if (rows_load(&rows, &n) < 0)
		return aq_error_report();
	for (size_t i = 0; i < n; i++) {
		const char *base = rows[i].s.base;
		const char *file = strrchr(base, '/');
		int first = 1;

		if (rows[i].s.parent[0])
			continue;
		for (size_t j = 0; j < i; j++)
			if (!rows[j].s.parent[0] &&
			    !strcmp(rows[j].s.base, base))
				first = 0;
		if (!first)
			continue;
		printf("%s\n", file ? file + 1 : base);
		for (size_t j = i; j < n; j++) {
			const struct snap_row *r = &rows[j];
			char size[16];
			int last = 1;

			if (r->s.parent[0] || strcmp(r->s.base, base))
				continue;
			for (size_t k = j + 1; k < n; k++)
				if (!rows[k].s.parent[0] &&
				    !strcmp(rows[k].s.base, base))
					last = 0;
			aq_format_size(r->bytes, size, sizeof(size));
			printf("%s%s (%s, %s, from %s)\n",
			       last ? "`-- " : "|-- ", r->s.tag,
			       r->s.live ? "live" : "cold", size,
			       r->s.source);
			tree_below(rows, n, r->s.tag, last ? "    " : "|   ");
		}
	}
	rows_free(rows, n);
	return AQ_EXIT_OK;
}

static int snap_rm(int argc, char **argv)
{
	int ret = AQ_EXIT_OK;

	if (argc < 2)
		return snap_usage();
	for (int i = 1; i < argc; i++) {
		if (snapshot_remove(argv[i]) < 0) {
			aq_error_wrap("cannot remove snapshot '%s'", argv[i]);
			ret = aq_error_report();
			continue;
		}
		aq_log(AQ_LOG_INFO, "removed snapshot %s", argv[i]);
	}
	return ret;
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "create", snap_create },
		{ "ls", snap_ls },
		{ "list", snap_ls },
		{ "tree", snap_tree },
		{ "rm", snap_rm },
	};

	if (argc < 2)
		return snap_usage();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return aq_usage_error("snapshot: unknown subcommand '%s' (use create, "
			      "ls, tree or rm)", argv[1]);
}
