/*
 * A small option parser with long options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "opts.h"
#include "banned.h"

int aq_opts_init(struct aq_opts *o, int argc, char **argv,
		 const struct aq_opt *table, unsigned int flags)
{
	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->index = 1;
	o->flags = flags;
	o->table = table;
	o->cmd = argv[0];
	o->operands = calloc((size_t)argc + 1, sizeof(*o->operands));
	if (!o->operands)
		return aq_error("out of memory");
	return 0;
}

static const struct aq_opt *find_long(const struct aq_opts *o,
				      const char *name, size_t len)
{
	for (const struct aq_opt *t = o->table; t->id; t++)
		if (t->longname && strlen(t->longname) == len &&
		    !strncmp(t->longname, name, len))
			return t;
	return NULL;
}

static const struct aq_opt *find_short(const struct aq_opts *o, char c)
{
	for (const struct aq_opt *t = o->table; t->id; t++)
		if (t->shortname && t->shortname == c)
			return t;
	return NULL;
}

static int take_value(struct aq_opts *o, const struct aq_opt *t,
		      const char *inline_value, const char *spelled)
{
	if (!t->has_arg) {
		if (inline_value) {
			aq_usage_error("%s: option '%s' takes no value",
				       o->cmd, spelled);
			return -1;
		}
		o->arg = NULL;
		return t->id;
	}
	if (inline_value) {
		o->arg = inline_value;
		return t->id;
	}
	if (o->index >= o->argc) {
		aq_usage_error("%s: option '%s' needs a value", o->cmd, spelled);
		return -1;
	}
	o->arg = o->argv[o->index++];
	return t->id;
}

static int parse_long(struct aq_opts *o, const char *a)
{
	const char *eq = strchr(a + 2, '=');
	size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	const struct aq_opt *t = find_long(o, a + 2, len);

	if (!t) {
		aq_usage_error("%s: unknown option '%.*s' (see 'aq %s --help')",
			       o->cmd, (int)len + 2, a, o->cmd);
		return -1;
	}
	return take_value(o, t, eq ? eq + 1 : NULL, a);
}

static int parse_short(struct aq_opts *o, const char *a)
{
	const struct aq_opt *t = find_short(o, a[1]);
	char spelled[3] = { '-', a[1], '\0' };

	if (!t || (a[2] && !t->has_arg)) {
		aq_usage_error("%s: unknown option '%s' (see 'aq %s --help')",
			       o->cmd, a, o->cmd);
		return -1;
	}
	return take_value(o, t, a[2] ? a + 2 : NULL, spelled);
}

int aq_opts_next(struct aq_opts *o)
{
	while (!o->done && o->index < o->argc) {
		const char *a = o->argv[o->index];

		if (!strcmp(a, "--")) {
			o->index++;
			o->done = 1;
			break;
		}
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			o->index++;
			return parse_long(o, a);
		}
		if (a[0] == '-' && a[1]) {
			o->index++;
			return parse_short(o, a);
		}
		o->operands[o->noperands++] = o->argv[o->index++];
		if (o->flags & AQ_OPTS_STOP_AT_OPERAND)
			o->done = 1;
	}
	/* After "--" or a stop, everything left is an operand. */
	if (!(o->flags & AQ_OPTS_STOP_AT_OPERAND))
		while (o->index < o->argc)
			o->operands[o->noperands++] = o->argv[o->index++];
	return 0;
}

void aq_opts_release(struct aq_opts *o)
{
	free(o->operands);
	o->operands = NULL;
}
