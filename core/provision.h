/*
 * First-boot provisioning through the NoCloud seed.
 *
 * Alpine's cloud images run tiny-cloud at first boot.  Of what every
 * tiny-cloud 3.x understands, aq uses only the safest subset:
 *  - meta-data: hostname (what tiny-cloud reads), local-hostname (what
 *    cloud-init reads), instance-id, and public-keys (installed for the
 *    default user "alpine");
 *  - user-data: a #!/bin/sh script, run once after sshd has started.
 * The script makes root reachable with aq's key, sets the hostname and
 * gives the serial console a root autologin.  It always exits 0: on a
 * non-zero exit tiny-cloud would rerun all of first boot next time.
 */
#ifndef AQ_PROVISION_H
#define AQ_PROVISION_H

#include "buf.h"
#include "vm.h"

/* Label tiny-cloud looks for. */
#define AQ_SEED_LABEL "cidata"

int provision_meta_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out);
int provision_user_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out);

/* Write the seed ISO at path for vm. */
int provision_seed(const struct vm *vm, const char *pubkey, const char *path);

#endif
