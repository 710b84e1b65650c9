/*
 * The adapter between aq and inih.
 *
 * inih calls a handler for every key and, when the handler returns 0,
 * stops and returns that line number; ini_parse() returns -1 when the file
 * cannot be opened and a positive line for a syntax error.  Here the
 * handler checks each key against the schema and remembers why it refused
 * one, so that the caller gets "file:line: reason".  A syntax error before
 * the first refusal leaves no reason: then the line itself is the news.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "aq/plugin.h"
#include "error.h"
#include "inifile.h"
#include "banned.h"

struct ini_ctx {
	const struct aq_ini_key *schema;
	struct aq_ini *ini;
	char why[256];
	int line;		/* of the text inih handles now */
	int next_line;
	FILE *file;		/* the source: a file or a string */
	const char *text;
};

/*
 * inih reads through these so that each entry knows its line: a chunk
 * ending in a newline ends a line.
 */
static char *ini_count(struct ini_ctx *ctx, char *str)
{
	size_t len = strlen(str);

	ctx->line = ctx->next_line;
	if (len && str[len - 1] == '\n')
		ctx->next_line++;
	return str;
}

static char *ini_read_file(char *str, int num, void *stream)
{
	struct ini_ctx *ctx = stream;

	if (!fgets(str, num, ctx->file))
		return NULL;
	return ini_count(ctx, str);
}

static char *ini_read_text(char *str, int num, void *stream)
{
	struct ini_ctx *ctx = stream;
	size_t n = 0;

	if (!*ctx->text || num < 2)
		return NULL;
	while (n + 1 < (size_t)num && ctx->text[n]) {
		str[n] = ctx->text[n];
		if (ctx->text[n++] == '\n')
			break;
	}
	str[n] = '\0';
	ctx->text += n;
	return ini_count(ctx, str);
}

/*
 * A key "*" stands for any key of its section, a section "*" for any
 * section the schema does not name (the caller checks those itself).
 */
static const struct aq_ini_key *ini_lookup(const struct aq_ini_key *schema,
					   const char *section,
					   const char *key, int *section_known)
{
	const struct aq_ini_key *other = NULL;

	*section_known = 0;
	for (; schema->key; schema++) {
		if (!strcmp(schema->section, "*")) {
			other = schema;
			continue;
		}
		if (strcmp(schema->section, section))
			continue;
		*section_known = 1;
		if (!strcmp(schema->key, key) || !strcmp(schema->key, "*"))
			return schema;
	}
	return *section_known ? NULL : other;
}

static int ini_add(struct aq_ini *ini, const char *section, const char *key,
		   const char *value, int line)
{
	struct aq_ini_entry *e;

	e = realloc(ini->entries, (ini->n + 1) * sizeof(*e));
	if (!e)
		return -1;
	ini->entries = e;
	e += ini->n;
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	ini->n++;
	return 0;
}

static int ini_on_key(void *user, const char *section, const char *key,
		       const char *value)
{
	struct ini_ctx *ctx = user;
	const struct aq_ini_key *k;
	int section_known;

	/* inih goes on after a refusal; keep the first reason. */
	if (ctx->why[0])
		return 0;
	k = ini_lookup(ctx->schema, section, key, &section_known);
	if (!k) {
		if (section_known)
			snprintf(ctx->why, sizeof(ctx->why),
				 "unknown key '%s' in section [%s]", key,
				 section);
		else
			snprintf(ctx->why, sizeof(ctx->why),
				 "unknown section [%s]", section);
		return 0;
	}
	if (!(k->flags & AQ_INI_MULTI) &&
	    aq_ini_get(ctx->ini, section, key)) {
		snprintf(ctx->why, sizeof(ctx->why),
			 "key '%s' in section [%s] is set twice", key, section);
		return 0;
	}
	if (ini_add(ctx->ini, section, key, value, ctx->line) < 0) {
		snprintf(ctx->why, sizeof(ctx->why), "out of memory");
		return 0;
	}
	return 1;
}

static int ini_result(int rc, const char *name, struct ini_ctx *ctx)
{
	if (rc == 0)
		return 0;
	aq_ini_release(ctx->ini);
	if (rc < 0)
		return aq_error_errno("cannot read '%s'", name);
	return aq_error("%s:%d: %s", name, rc,
			ctx->why[0] ? ctx->why : "syntax error");
}

int aq_ini_load(const char *path, const struct aq_ini_key *schema,
		struct aq_ini *out)
{
	struct ini_ctx ctx = { schema, out, "", 0, 1, NULL, NULL };
	int rc;

	ctx.file = fopen(path, "r");
	if (!ctx.file)
		return aq_error_errno("cannot read '%s'", path);
	rc = ini_parse_stream(ini_read_file, &ctx, ini_on_key, &ctx);
	fclose(ctx.file);
	if (rc < 0)
		errno = EIO;
	return ini_result(rc, path, &ctx);
}

int aq_ini_parse(const char *text, const char *name,
		 const struct aq_ini_key *schema, struct aq_ini *out)
{
	struct ini_ctx ctx = { schema, out, "", 0, 1, NULL, text };
	int rc = ini_parse_stream(ini_read_text, &ctx, ini_on_key, &ctx);

	if (rc < 0)
		errno = ENOMEM;
	return ini_result(rc, name, &ctx);
}

const struct aq_ini_entry *aq_ini_entry(const struct aq_ini *ini,
					const char *section, const char *key)
{
	const struct aq_ini_entry *found = NULL;

	for (size_t i = 0; i < ini->n; i++)
		if (!strcmp(ini->entries[i].section, section) &&
		    !strcmp(ini->entries[i].key, key))
			found = &ini->entries[i];
	return found;
}

const char *aq_ini_get(const struct aq_ini *ini, const char *section,
		       const char *key)
{
	const struct aq_ini_entry *e = aq_ini_entry(ini, section, key);

	return e ? e->value : NULL;
}

void aq_ini_release(struct aq_ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	ini->entries = NULL;
	ini->n = 0;
}
