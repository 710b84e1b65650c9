/*
 * What an Alpine mirror publishes, as pure functions: the release list
 * (latest-releases.yaml), the .sha512 sidecar of a file, and the names
 * and URLs of the NoCloud cloud images.  No I/O and no host services, so
 * unit and fuzz tests link these files alone.
 *
 * Functions that can fail return 0 or -1; on -1 they write a message
 * (lowercase, no period, without the URL, which the caller adds) into the
 * caller's err buffer of errlen bytes.  The name and URL builders below
 * take no err: their only failure is a buffer too small.  Out-parameters
 * are written only on success.
 */
#ifndef FETCH_MIRROR_H
#define FETCH_MIRROR_H

#include <stddef.h>

#include "aq/plugin.h"

/* Image builds probed per release: r0 .. r(FETCH_BUILD_MAX - 1). */
#define FETCH_BUILD_MAX 10

/* Bigger downloads into memory are refused. */
#define FETCH_RELEASES_CAP (1024 * 1024)
#define FETCH_SIDECAR_CAP 4096

/* The release the mirror calls latest stable. */
struct fetch_release {
	char version[32];	/* "3.24.1" */
	char branch[32];	/* "v3.24": the directory on the mirror */
	char flavor[64];	/* the entry both were taken from */
};

/*
 * Parse latest-releases.yaml: a sequence of mappings, one per flavor,
 * that all share one version.  Takes the version and branch from the
 * alpine-virt entry, else from the first.  Refuses anything else: not a
 * sequence, an entry without a version, entries disagreeing on it, a
 * branch that is not v<major.minor> of the version, an entry whose arch
 * is not arch (when arch is not NULL).  A YAML syntax error is reported
 * with its line.
 */
int fetch_releases_parse(const char *data, size_t len, const char *arch,
			 struct fetch_release *out, char *err, size_t errlen);

/*
 * Parse a .sha512 sidecar: a bare hex digest, or "DIGEST  NAME" as
 * sha512sum writes it (NAME may carry a '*' and a directory; its last
 * component must be file when file is not NULL).  One line; the digest
 * is returned in lowercase.
 */
int fetch_sidecar_parse(const char *data, size_t len, const char *file,
			char digest[AQ_DIGEST_HEX], char *err, size_t errlen);

/* Non-zero if s is 128 hex digits and nothing else. */
int fetch_digest_valid(const char *s);

/*
 * Non-zero if s is an Alpine release like "3.24.1": digits, a dot,
 * digits, then only [0-9a-z._] without "..", at most 31 bytes.  Such a
 * string is safe inside a file name and a URL.
 */
int fetch_version_valid(const char *s);

/* Write "v<major>.<minor>" of a valid version into buf. */
int fetch_version_branch(const char *version, char *buf, size_t len);

/*
 * Order two valid versions: <0, 0, >0.  Numeric parts compare as
 * numbers; a suffix sorts before none ("3.24.0_rc1" < "3.24.0").
 */
int fetch_version_cmp(const char *a, const char *b);

/* Non-zero if s is a name part such as "x86_64", "bios" or "tiny". */
int fetch_token_valid(const char *s);

/* <mirror>/latest-stable/releases/<arch>/latest-releases.yaml */
int fetch_releases_url(char *buf, size_t len, const char *mirror,
		       const char *arch);

/* nocloud_alpine-<version>-<arch>-<firmware>-<variant>-r<build>.qcow2 */
int fetch_image_name(char *buf, size_t len, const char *version,
		     const char *arch, const char *firmware,
		     const char *variant, int build);

/* <mirror>/<branch>/releases/cloud/<name> */
int fetch_image_url(char *buf, size_t len, const char *mirror,
		    const char *branch, const char *name);

/*
 * If name is an image name for arch, firmware and variant (as
 * fetch_image_name writes it, build below FETCH_BUILD_MAX), store its
 * version and build and return 0; else return -1 (no message).
 */
int fetch_image_name_parse(const char *name, const char *arch,
			   const char *firmware, const char *variant,
			   char *version, size_t vlen, int *build);

/* The version part of any image name, checked; -1 (no message) if none. */
int fetch_image_name_version(const char *name, char *version, size_t vlen);

#endif
