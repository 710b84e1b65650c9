/*
 * Snapshots: frozen disk layers, and for live ones the memory and device
 * state, that new VMs start from.
 *
 * A snapshot TAG is the directory $AQ_HOME/snapshots/TAG holding
 *   layer.qcow2    the frozen disk layer (mode 0444), backed by the base
 *                  image or by the parent snapshot's layer
 *   memory.state   live only: the migration stream of RAM and devices
 *   snapshot.ini   what it is, where it came from, what a restore needs
 * It is assembled in a hidden directory (".new-TAG-XXXXXX") and renamed
 * into place as the last step, so a tag either exists whole or not at all.
 *
 * A VM's vm.ini "image" is the file its disk overlay is backed by: the
 * base image, or the layer of the snapshot it was made from (or last
 * snapshotted into).  A snapshot is used by the VMs whose image is its
 * layer and by the snapshots whose layer is backed by it; `snapshot rm`
 * refuses while there are any.
 *
 * Locking: changes to the set of tags happen under $AQ_HOME/aq.lock;
 * taking a snapshot of a VM also holds the VM's own lock, as start and
 * stop do.
 */
#ifndef AQ_SNAPSHOT_H
#define AQ_SNAPSHOT_H

#include <stddef.h>

#include "buf.h"
#include "qmp.h"
#include "vm.h"

#define SNAPSHOT_LAYER "layer.qcow2"
#define SNAPSHOT_STATE "memory.state"
#define SNAPSHOT_INI "snapshot.ini"

/* In a VM's directory: what its first start still has to do. */
#define SNAPSHOT_CLONE_INI "clone.ini"
/* In a VM's directory while a snapshot of it is being taken. */
#define SNAPSHOT_PENDING "snapshot.pending"
/* In a VM's directory while it runs: the accelerator it runs with. */
#define SNAPSHOT_ACCEL "accel"

struct snapshot {
	char tag[AQ_NAME_MAX + 1];
	char dir[AQ_PATH_MAX];
	char id[40];		/* random; ties a pending file to its tag */
	int live;
	char parent[AQ_NAME_MAX + 1];	/* "" when on a base image */
	char source[AQ_NAME_MAX + 1];	/* the VM it was taken of */
	char backing[AQ_PATH_MAX];	/* the layer's own backing file */
	char base[AQ_PATH_MAX];		/* the base image under the chain */
	char created[32];
	char arch[16];
	char definition[256];
	char image_version[32];
	int cpus;
	int memory_mib;
	long long disk_bytes;
	char mac[AQ_MAC_LEN];		/* the source's MAC */
	int booted;		/* the disk's first boot is done */
	/* Live only: what the restoring QEMU must match. */
	char qemu[64];
	char machine[64];
	char accel[8];
	char cpu_model[64];
};

/* Check a tag: the same rules as a VM name. */
int snapshot_tag_valid(const char *tag);

/* $AQ_HOME/snapshots, created if missing. */
int snapshot_root(char *out, size_t len);

/*
 * Load snapshot tag.  AQ_ENOTFOUND with "no snapshot named 'x'" recorded
 * when there is none.
 */
int snapshot_load(const char *tag, struct snapshot *out);

/* Path of one of the snapshot's files (SNAPSHOT_*). */
int snapshot_file(const struct snapshot *s, const char *file, char *out,
		  size_t len);

/* Write s->dir/snapshot.ini. */
int snapshot_save(const struct snapshot *s);

/* All tags, sorted; free with aq_names_free(). */
int snapshot_list(char ***tags, size_t *n);

/*
 * What depends on s: the VMs whose disk sits on its layer, and the
 * snapshots whose parent it is, as ", "-separated names (either may be
 * left empty).
 */
int snapshot_users(const struct snapshot *s, struct aq_buf *vms,
		   struct aq_buf *children);

/* Bytes the snapshot's own files take on disk. */
long long snapshot_disk_usage(const struct snapshot *s);

/*
 * Remove what interrupted snapshots left in snapshots/ and no VM's
 * recovery will come back for.  The caller holds $AQ_HOME/aq.lock.
 */
void snapshot_gc(void);

/* Remove tag, refusing while anything depends on it. */
int snapshot_remove(const char *tag);

/*
 * Take snapshot tag of VM name: cold when it is stopped (its disk
 * becomes the layer), live when it runs (memory and devices too; the VM
 * pauses briefly and keeps running).
 */
int snapshot_create(const char *name, const char *tag);

/*
 * Finish or undo a snapshot of vm that was interrupted (aq killed, disk
 * full), and reload *vm.  The caller holds the VM's lock.
 */
int snapshot_recover(struct vm *vm);

/*
 * Fill a new VM from snapshot tag: arch, resources, image fields, and
 * image = the tag's layer.  *s gets the snapshot.
 */
int snapshot_clone_init(const char *tag, struct vm *vm, struct snapshot *s);

/* Refuse resources a restore of s could not honour. */
int snapshot_clone_check(const struct snapshot *s, const struct vm *vm);

/* Write clone.ini into the (not yet renamed) directory of a new clone. */
int snapshot_clone_mark(const struct vm *vm, const struct snapshot *s);

/*
 * Start QEMU for vm: a plain launch, or, for the first start of a clone
 * of a live snapshot, a restore of its memory state.
 */
int snapshot_launch(struct vm *vm);

/*
 * After a clone's first start answers SSH: give the guest its own
 * hostname (and MAC and clock when it was resumed).
 */
int snapshot_adopt(const struct vm *vm);

/*
 * Wait up to timeout_ms until QEMU's migration is over; status gets
 * "completed", "failed", "cancelled" or "none", why QEMU's reason.
 */
int snapshot_migration_wait(struct qmp *q, int timeout_ms, char *status,
			    size_t len, char *why, size_t whylen);

/* QEMU's version, machine type and CPU model, into s. */
int snapshot_qemu_facts(struct qmp *q, struct snapshot *s);

/* Turn on MIGRATION events (migrate-set-capabilities "events"). */
int snapshot_qmp_events(struct qmp *q);

#endif
