/*
 * Command-line options, without GNU getopt_long (aq is plain POSIX).
 *
 * Accepted forms: -x, -xVALUE, -x VALUE, --long, --long=VALUE,
 * --long VALUE; "--" ends options.  Options and operands may be mixed
 * unless AQ_OPTS_STOP_AT_OPERAND is given (aq exec NAME CMD...: the
 * command's own options belong to the command).
 */
#ifndef AQ_OPTS_H
#define AQ_OPTS_H

enum aq_opts_flags {
	AQ_OPTS_STOP_AT_OPERAND = 1 << 0
};

struct aq_opt {
	int id;			/* returned when matched; a char for -x */
	char shortname;		/* 0 when there is none */
	const char *longname;	/* NULL when there is none */
	int has_arg;
};

struct aq_opts {
	int argc;
	char **argv;
	int index;		/* next argument to look at */
	unsigned int flags;
	const struct aq_opt *table;	/* ends with id 0 */
	const char *cmd;	/* for messages: "new" */
	const char *arg;	/* the matched option's value */
	char **operands;	/* collected operands */
	int noperands;
	int done;
};

/* argv[0] is the command name, as given to cmd_*(). */
int aq_opts_init(struct aq_opts *o, int argc, char **argv,
		 const struct aq_opt *table, unsigned int flags);

/*
 * The next option's id, 0 when all are read (operands are then in
 * o->operands, the rest after a stop in argv from o->index), or -1 after
 * printing a usage error.
 */
int aq_opts_next(struct aq_opts *o);

void aq_opts_release(struct aq_opts *o);

#endif
