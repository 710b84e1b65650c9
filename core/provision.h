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
 *
 * Then, once per disk, it provisions the image from files beside it on
 * the seed: `apk add` of aq-packages (when the guest has apk), the
 * overlay aq-overlay.tar.gz unpacked onto /, and the scripts
 * aq-provision.sh (the image's) and aq-provision-extra.sh (aq new
 * --provision), stopping at the first failure.  The output goes to
 * PROVISION_GUEST_LOG and "STATUS STEP" to PROVISION_GUEST_STATUS, which
 * `aq start` of the first boot waits for and reports from.
 */
#ifndef AQ_PROVISION_H
#define AQ_PROVISION_H

#include "buf.h"
#include "image.h"
#include "vm.h"

/* Label tiny-cloud looks for. */
#define AQ_SEED_LABEL "cidata"

#define PROVISION_GUEST_STATUS "/var/lib/aq/provision.status"
#define PROVISION_GUEST_LOG "/var/log/aq-provision.log"

/* In the VM's directory: the first boot's result is yet to be read. */
#define PROVISION_PENDING "provision.pending"

/* provision_wait(): the VM runs, but its provisioning failed. */
#define PROVISION_FAILED -20

/* What goes on the seed besides meta-data and user-data. */
struct provision {
	char packages[AQ_IMAGE_PACKAGES_MAX];	/* space-separated */
	struct aq_buf overlay;	/* gzip'd tar, empty when none */
	struct aq_buf script;	/* the image's script */
	struct aq_buf extra;	/* aq new --provision FILE */
};

#define PROVISION_INIT { "", AQ_BUF_INIT, AQ_BUF_INIT, AQ_BUF_INIT }

/*
 * Gather the provisioning of def (NULL: none) and of the one-off script
 * extra (NULL: none) into out, which must be PROVISION_INIT.
 */
int provision_prepare(const struct image_def *def, const char *extra,
		      struct provision *out);
void provision_release(struct provision *p);

int provision_meta_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out);

/* The user-data script; p may be NULL (nothing to provision). */
int provision_user_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out);
int provision_user_data_for(const struct vm *vm, const char *pubkey,
			    const struct provision *p, struct aq_buf *out);

/*
 * Write the seed ISO at path for vm (in vm->dir) and mark the VM's
 * first-boot provisioning as pending.  p may be NULL.
 */
int provision_seed(const struct vm *vm, const char *pubkey, const char *path);
int provision_seed_for(const struct vm *vm, const char *pubkey,
		       const struct provision *p, const char *path);

/*
 * On the first boot of vm (running, root reachable): wait up to timeout
 * seconds for the first-boot script's result and read it.  Returns 0 if
 * it succeeded or nothing is pending, PROVISION_FAILED with a message
 * recorded ("'NAME' started, but provisioning failed (...): OUTPUT"),
 * or -1 when it could not be read.
 */
int provision_wait(const struct vm *vm, long timeout);

#endif
