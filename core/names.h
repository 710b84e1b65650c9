/*
 * Random VM names like "brave-otter", for `aq new` without a name.
 */
#ifndef AQ_NAMES_H
#define AQ_NAMES_H

#include <stddef.h>

/* Write a random adjective-noun name into out. */
int names_random(char *out, size_t len);

#endif
