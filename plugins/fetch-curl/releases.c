/*
 * latest-releases.yaml, read with libyaml's event parser: the file is a
 * flat list of flat mappings, so walking events keeps only the few keys
 * aq needs and skips any other node whole, whatever its shape.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "mirror.h"

/* Nesting allowed inside a value; the real file has none. */
#define RELEASES_DEPTH_MAX 16

/* One entry of the list: the keys aq reads, and where it starts. */
struct releases_entry {
	char version[32];
	char branch[32];
	char flavor[64];
	char arch[32];
	size_t line;
};

struct releases_ctx {
	yaml_parser_t parser;
	yaml_event_t event;
	int have_event;
	char *err;
	size_t errlen;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int releases_fail(struct releases_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t releases_line(const struct releases_ctx *ctx)
{
	return ctx->event.start_mark.line + 1;
}

static int releases_syntax_error(struct releases_ctx *ctx)
{
	const yaml_parser_t *p = &ctx->parser;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return releases_fail(ctx, "out of memory");
	if (p->error == YAML_READER_ERROR)
		return releases_fail(ctx, "byte %zu: %s", p->problem_offset,
				     problem);
	if (p->context)
		return releases_fail(ctx, "line %zu column %zu: %s %s "
				     "(line %zu)", p->problem_mark.line + 1,
				     p->problem_mark.column + 1, problem,
				     p->context, p->context_mark.line + 1);
	return releases_fail(ctx, "line %zu column %zu: %s",
			     p->problem_mark.line + 1,
			     p->problem_mark.column + 1, problem);
}

/* Replace the current event with the next one. */
static int releases_next(struct releases_ctx *ctx)
{
	if (ctx->have_event)
		yaml_event_delete(&ctx->event);
	ctx->have_event = 0;
	if (!yaml_parser_parse(&ctx->parser, &ctx->event))
		return releases_syntax_error(ctx);
	ctx->have_event = 1;
	return 0;
}

/*
 * Skip the node whose first event is current; end on its last event.
 * libyaml's scanner slows down quadratically with nesting, so a deeply
 * nested node is refused before it can take minutes.
 */
static int releases_skip(struct releases_ctx *ctx)
{
	size_t depth = 0;

	do {
		switch (ctx->event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > RELEASES_DEPTH_MAX)
				return releases_fail(ctx, "line %zu: values "
						     "nest too deeply",
						     releases_line(ctx));
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth == 0)
			return 0;
	} while (releases_next(ctx) == 0);
	return -1;
}

static const char *releases_what(yaml_event_type_t type)
{
	switch (type) {
	case YAML_SCALAR_EVENT:
		return "a single value";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "something else";
	}
}

/* The field of e that key names, or NULL when aq does not read it. */
static char *releases_field(struct releases_entry *e, const char *key,
			    size_t *size)
{
	static const struct {
		const char *key;
		size_t offset;
		size_t size;
	} fields[] = {
		{ "version", offsetof(struct releases_entry, version),
		  sizeof(e->version) },
		{ "branch", offsetof(struct releases_entry, branch),
		  sizeof(e->branch) },
		{ "flavor", offsetof(struct releases_entry, flavor),
		  sizeof(e->flavor) },
		{ "arch", offsetof(struct releases_entry, arch),
		  sizeof(e->arch) },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0) {
			*size = fields[i].size;
			return (char *)e + fields[i].offset;
		}
	}
	return NULL;
}

/* The current event is a key's value: keep it if aq reads that key. */
static int releases_value(struct releases_ctx *ctx, struct releases_entry *e,
			  const char *key)
{
	const yaml_event_t *ev = &ctx->event;
	size_t size = 0;
	char *field = releases_field(e, key, &size);

	if (!field)
		return releases_skip(ctx);
	if (ev->type != YAML_SCALAR_EVENT)
		return releases_fail(ctx, "line %zu: '%s' is %s, not a "
				     "single value", releases_line(ctx), key,
				     releases_what(ev->type));
	if (field[0])
		return releases_fail(ctx, "line %zu: '%s' appears twice in "
				     "one entry", releases_line(ctx), key);
	if (ev->data.scalar.length == 0)
		return releases_fail(ctx, "line %zu: '%s' is empty",
				     releases_line(ctx), key);
	if (ev->data.scalar.length >= size ||
	    memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return releases_fail(ctx, "line %zu: '%s' is not a valid "
				     "value", releases_line(ctx), key);
	memcpy(field, ev->data.scalar.value, ev->data.scalar.length);
	field[ev->data.scalar.length] = '\0';
	return 0;
}

/* The current event starts a mapping: read it up to its end. */
static int releases_entry(struct releases_ctx *ctx, struct releases_entry *e)
{
	char key[32];

	memset(e, 0, sizeof(*e));
	e->line = releases_line(ctx);
	for (;;) {
		if (releases_next(ctx) < 0)
			return -1;
		if (ctx->event.type == YAML_MAPPING_END_EVENT)
			return 0;
		key[0] = '\0';
		if (ctx->event.type == YAML_SCALAR_EVENT &&
		    ctx->event.data.scalar.length < sizeof(key)) {
			memcpy(key, ctx->event.data.scalar.value,
			       ctx->event.data.scalar.length);
			key[ctx->event.data.scalar.length] = '\0';
		} else if (releases_skip(ctx) < 0) {
			return -1;
		}
		if (releases_next(ctx) < 0 || releases_value(ctx, e, key) < 0)
			return -1;
	}
}

/* Check one entry on its own, and against the first one. */
static int releases_check(struct releases_ctx *ctx,
			  const struct releases_entry *e,
			  const struct releases_entry *first, const char *arch)
{
	char branch[32];

	if (!e->version[0])
		return releases_fail(ctx, "the entry at line %zu has no "
				     "'version'", e->line);
	if (!fetch_version_valid(e->version) ||
	    fetch_version_branch(e->version, branch, sizeof(branch)) < 0)
		return releases_fail(ctx, "line %zu: '%s' is not an Alpine "
				     "version", e->line, e->version);
	if (e->branch[0] && strcmp(e->branch, branch) != 0)
		return releases_fail(ctx, "the entry at line %zu has branch "
				     "'%s' but version '%s'", e->line,
				     e->branch, e->version);
	if (arch && e->arch[0] && strcmp(e->arch, arch) != 0)
		return releases_fail(ctx, "the entry at line %zu is for '%s', "
				     "not '%s'", e->line, e->arch, arch);
	if (first && strcmp(e->version, first->version) != 0)
		return releases_fail(ctx, "entries disagree on the version: "
				     "'%s' (line %zu) and '%s' (line %zu)",
				     first->version, first->line, e->version,
				     e->line);
	return 0;
}

static int releases_expect(struct releases_ctx *ctx, yaml_event_type_t type,
			   const char *what)
{
	if (releases_next(ctx) < 0)
		return -1;
	if (ctx->event.type != type)
		return releases_fail(ctx, "line %zu: expected %s",
				     releases_line(ctx), what);
	return 0;
}

/* Read up to the start of the list, with a precise word if it is not. */
static int releases_start(struct releases_ctx *ctx)
{
	const yaml_event_t *ev = &ctx->event;

	if (releases_expect(ctx, YAML_STREAM_START_EVENT, "a YAML stream") < 0)
		return -1;
	if (releases_next(ctx) < 0)
		return -1;
	if (ev->type == YAML_STREAM_END_EVENT)
		return releases_fail(ctx, "the file is empty");
	if (releases_next(ctx) < 0)
		return -1;
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0)
		return releases_fail(ctx, "the file is empty");
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return releases_fail(ctx, "line %zu: expected a list of "
				     "releases, found %s", releases_line(ctx),
				     releases_what(ev->type));
	return 0;
}

static int releases_walk(struct releases_ctx *ctx, const char *arch,
			 struct releases_entry *chosen)
{
	struct releases_entry first, e;
	size_t n = 0;

	memset(&first, 0, sizeof(first));
	if (releases_start(ctx) < 0)
		return -1;
	for (;;) {
		if (releases_next(ctx) < 0)
			return -1;
		if (ctx->event.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ctx->event.type != YAML_MAPPING_START_EVENT)
			return releases_fail(ctx, "line %zu: an entry is %s, "
					     "not a mapping",
					     releases_line(ctx),
					     releases_what(ctx->event.type));
		if (releases_entry(ctx, &e) < 0 ||
		    releases_check(ctx, &e, n ? &first : NULL, arch) < 0)
			return -1;
		if (n == 0)
			first = e;
		if (n == 0 || strcmp(e.flavor, "alpine-virt") == 0)
			*chosen = e;
		n++;
	}
	if (n == 0)
		return releases_fail(ctx, "the list of releases is empty");
	return releases_expect(ctx, YAML_DOCUMENT_END_EVENT,
			       "the end of the document");
}

int fetch_releases_parse(const char *data, size_t len, const char *arch,
			 struct fetch_release *out, char *err, size_t errlen)
{
	struct releases_ctx ctx;
	struct releases_entry chosen;
	struct fetch_release r;
	int ret = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.err = err;
	ctx.errlen = errlen;
	if (!yaml_parser_initialize(&ctx.parser))
		return releases_fail(&ctx, "out of memory");
	yaml_parser_set_input_string(&ctx.parser,
				     (const unsigned char *)data, len);
	if (releases_walk(&ctx, arch, &chosen) < 0)
		goto out;
	memset(&r, 0, sizeof(r));
	memcpy(r.version, chosen.version, sizeof(r.version));
	memcpy(r.flavor, chosen.flavor, sizeof(r.flavor));
	if (fetch_version_branch(r.version, r.branch, sizeof(r.branch)) < 0) {
		releases_fail(&ctx, "'%s' is not an Alpine version",
			      r.version);
		goto out;
	}
	*out = r;
	ret = 0;
out:
	if (ctx.have_event)
		yaml_event_delete(&ctx.event);
	yaml_parser_delete(&ctx.parser);
	return ret;
}
