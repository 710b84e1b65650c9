/*
 * Functions aq does not use, turned into compile errors.
 *
 * Each has a bounded or checked replacement: snprintf or struct aq_buf
 * instead of sprintf/strcpy/strcat, strtol with full checking (see
 * aq_parse_int) instead of atoi, and explicit loops instead of strtok's
 * hidden state.
 */
#ifndef AQ_BANNED_H
#define AQ_BANNED_H

#define AQ_BANNED(fn) sorry_##fn##_is_banned_in_aq

#undef strcpy
#define strcpy(a, b) AQ_BANNED(strcpy)
#undef strcat
#define strcat(a, b) AQ_BANNED(strcat)
#undef sprintf
#define sprintf(...) AQ_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) AQ_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) AQ_BANNED(strtok)
#undef atoi
#define atoi(a) AQ_BANNED(atoi)
#undef atol
#define atol(a) AQ_BANNED(atol)
#undef gets
#define gets(a) AQ_BANNED(gets)

#endif
