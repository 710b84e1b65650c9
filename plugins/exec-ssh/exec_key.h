/*
 * aq's own SSH key: one ed25519 key for all VMs, kept in the data
 * directory, created the first time it is needed.
 */
#ifndef EXEC_KEY_H
#define EXEC_KEY_H

#include <stddef.h>

#include <aq/plugin.h>

#define EXEC_KEY_DIR "keys"
#define EXEC_KEY_NAME "id_ed25519"

/* Write <home>/keys/id_ed25519 into out; -1 with an error if too long. */
int exec_key_path(const struct aq_host *host, char *out, size_t len);

/*
 * The exec_key hook: create the key pair once (concurrent callers wait
 * for the first one) and copy the public line, without its newline, into
 * pubkey.
 */
int exec_key_get(const struct aq_host *host, char *pubkey, size_t len);

/*
 * Check that the private key is there before ssh is asked to use it, for
 * VM vm_name, and take group and other access away, without which ssh
 * ignores the key.
 */
int exec_key_check(const struct aq_host *host, const char *vm_name,
		   const char *path);

#endif
