/*
 * INI files (the global config and each VM's vm.ini), read with inih.
 *
 * A file is read against a schema: the sections and keys it may hold.
 * An unknown section or key, a repeated single-valued key and a syntax
 * error are all refused with "FILE:LINE: reason".
 */
#ifndef AQ_INIFILE_H
#define AQ_INIFILE_H

#include <stddef.h>

enum aq_ini_flags {
	AQ_INI_MULTI = 1 << 0	/* the key may appear more than once */
};

/* A key "*" matches any key; a section "*" any section not listed. */
struct aq_ini_key {
	const char *section;
	const char *key;	/* NULL ends the schema */
	unsigned int flags;
};

struct aq_ini_entry {
	char *section;
	char *key;
	char *value;
	int line;		/* where it was set, for messages */
};

struct aq_ini {
	struct aq_ini_entry *entries;
	size_t n;
};

#define AQ_INI_INIT { NULL, 0 }

/*
 * Parse path into out (which must be AQ_INI_INIT or released).  name is
 * how the file is named in messages (usually the path).  On failure out
 * is left empty.
 */
int aq_ini_load(const char *path, const struct aq_ini_key *schema,
		struct aq_ini *out);

/* The same for text in memory; name is used in messages. */
int aq_ini_parse(const char *text, const char *name,
		 const struct aq_ini_key *schema, struct aq_ini *out);

/* The last value of section.key, or NULL.  Borrowed from ini. */
const char *aq_ini_get(const struct aq_ini *ini, const char *section,
		       const char *key);

/* The entry behind aq_ini_get(), for its line; NULL when unset. */
const struct aq_ini_entry *aq_ini_entry(const struct aq_ini *ini,
					const char *section, const char *key);

void aq_ini_release(struct aq_ini *ini);

#endif
