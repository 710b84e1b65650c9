/*
 * Taking a snapshot, and finishing or undoing one that was interrupted.
 *
 * Cold (the VM is stopped): the VM's disk.qcow2 is hard-linked into the
 * hidden tag directory, made read-only, and the directory is renamed
 * into place; then the VM gets a new, empty overlay on that layer.
 *
 * Live (the VM runs): over QMP the guest is paused ("stop"), its disk is
 * switched to a new overlay (blockdev-snapshot-sync) whose backing file
 * name already is the layer's final path (change-backing-file), the RAM
 * and device state are migrated into memory.state, and the guest goes on
 * ("cont").  While it is paused nothing is written, so the frozen disk
 * and the memory state are of the same instant.  If the migration
 * fails, the new overlay (still empty) is committed back and dropped.
 *
 * QEMU reopens an image by the name it opened it with (to switch it
 * between read-only and read-write, as a commit job does), so no file
 * QEMU has open is renamed while it runs, and no name is reused: the new
 * overlay is "disk-ID.qcow2", recorded in the VM's "disk.top", and the
 * frozen layer keeps its name in the VM's directory as a second hard
 * link.  Once QEMU is gone, the next start (or snapshot) renames the top
 * overlay to disk.qcow2 and drops the other names.
 *
 * Each step that changes the VM is preceded by snapshot.pending in the
 * VM's directory, naming the tag, its random id and the hidden
 * directory.  The next command that takes the VM's lock (start, another
 * snapshot) reads it: if the tag exists with that id, it finishes the
 * switch of the VM; otherwise it undoes it and removes the hidden
 * directory.  So whatever kills aq, the tag is whole or absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "inifile.h"
#include "loader.h"
#include "lock.h"
#include "qemu.h"
#include "provision.h"
#include "qmp.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

/* In the VM's directory: the overlay QEMU writes, while not disk.qcow2. */
#define TAKE_TOP "disk.top"
#define TAKE_QMP_MS 10000
#define TAKE_MIGRATE_MS (30 * 60 * 1000)
#define TAKE_JOB "aq-undo"

static const struct aq_ini_key pending_schema[] = {
	{ "pending", "tag", 0 },
	{ "pending", "id", 0 },
	{ "pending", "tmp", 0 },
	{ "pending", "kind", 0 },
	{ "pending", "device", 0 },
	{ "pending", "old_node", 0 },
	{ "pending", "new_node", 0 },
	{ "pending", "next", 0 },
	{ "pending", "was_running", 0 },
	{ NULL, NULL, 0 }
};

/* What snapshot.pending says. */
struct pending {
	char tag[AQ_NAME_MAX + 1];
	char id[40];
	char tmp[AQ_PATH_MAX];
	int live;
	char device[64];
	char old_node[64];
	char new_node[64];
	char next[64];		/* file name of the new overlay */
	int was_running;
};

static int pending_path(const struct vm *vm, char *out, size_t len)
{
	return vm_file(vm, SNAPSHOT_PENDING, out, len);
}

static int pending_save(const struct vm *vm, const struct pending *p)
{
	char file[AQ_PATH_MAX];
	struct aq_buf b = AQ_BUF_INIT;
	int ret = -1;

	if (pending_path(vm, file, sizeof(file)) < 0)
		return -1;
	if (aq_buf_addf(&b, "# aq: a snapshot of this VM is being taken\n"
			"[pending]\ntag = %s\nid = %s\ntmp = %s\nkind = %s\n"
			"device = %s\nold_node = %s\nnew_node = %s\n"
			"next = %s\nwas_running = %d\n", p->tag, p->id,
			p->tmp, p->live ? "live" : "cold", p->device,
			p->old_node, p->new_node, p->next,
			p->was_running) == 0)
		ret = aq_write_file_atomic(file, b.s, b.len, 0600);
	aq_buf_release(&b);
	return ret;
}

static int pending_copy(const struct aq_ini *ini, const char *key, char *out,
			size_t len)
{
	const char *v = aq_ini_get(ini, "pending", key);

	if (!v)
		v = "";
	if (strlen(v) >= len)
		return aq_error("snapshot.pending: '%s' is too long", key);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* 1 and *p when the VM has a pending snapshot, 0 when not, or -1. */
static int pending_load(const struct vm *vm, struct pending *p)
{
	struct aq_ini ini = AQ_INI_INIT;
	char file[AQ_PATH_MAX], kind[8], running[4];
	int ret = -1;

	if (pending_path(vm, file, sizeof(file)) < 0)
		return -1;
	if (!aq_exists(file))
		return 0;
	memset(p, 0, sizeof(*p));
	if (aq_ini_load(file, pending_schema, &ini) < 0)
		return -1;
	if (pending_copy(&ini, "tag", p->tag, sizeof(p->tag)) < 0 ||
	    pending_copy(&ini, "id", p->id, sizeof(p->id)) < 0 ||
	    pending_copy(&ini, "tmp", p->tmp, sizeof(p->tmp)) < 0 ||
	    pending_copy(&ini, "kind", kind, sizeof(kind)) < 0 ||
	    pending_copy(&ini, "device", p->device, sizeof(p->device)) < 0 ||
	    pending_copy(&ini, "old_node", p->old_node,
			 sizeof(p->old_node)) < 0 ||
	    pending_copy(&ini, "new_node", p->new_node,
			 sizeof(p->new_node)) < 0 ||
	    pending_copy(&ini, "next", p->next, sizeof(p->next)) < 0 ||
	    pending_copy(&ini, "was_running", running, sizeof(running)) < 0)
		goto out;
	p->live = !strcmp(kind, "live");
	p->was_running = !strcmp(running, "1");
	ret = 1;
out:
	aq_ini_release(&ini);
	return ret;
}

static void pending_drop(const struct vm *vm)
{
	char file[AQ_PATH_MAX];

	if (pending_path(vm, file, sizeof(file)) == 0)
		unlink(file);
}

static int random_id(char *out, size_t len)
{
	unsigned char b[12];
	int fd = open("/dev/urandom", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return aq_error_errno("cannot read /dev/urandom");
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n != (ssize_t)sizeof(b) || len < 2 * sizeof(b) + 1)
		return aq_error("cannot read /dev/urandom");
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* The tag a layer path belongs to, or "" when it is no snapshot's. */
static int layer_tag(const char *image, char *tag, size_t len)
{
	char root[AQ_PATH_MAX];
	size_t n;
	const char *rest, *slash;

	tag[0] = '\0';
	if (snapshot_root(root, sizeof(root)) < 0)
		return -1;
	n = strlen(root);
	if (strncmp(image, root, n) || image[n] != '/')
		return 0;
	rest = image + n + 1;
	slash = strchr(rest, '/');
	if (!slash || strcmp(slash + 1, SNAPSHOT_LAYER) ||
	    (size_t)(slash - rest) >= len)
		return 0;
	memcpy(tag, rest, (size_t)(slash - rest));
	tag[slash - rest] = '\0';
	return 0;
}

static int describe(const struct vm *vm, const char *tag, struct snapshot *s)
{
	char path[AQ_PATH_MAX];

	memset(s, 0, sizeof(*s));
	snprintf(s->tag, sizeof(s->tag), "%s", tag);
	snprintf(s->source, sizeof(s->source), "%s", vm->name);
	snprintf(s->backing, sizeof(s->backing), "%s", vm->image);
	snprintf(s->arch, sizeof(s->arch), "%s", vm->arch);
	snprintf(s->definition, sizeof(s->definition), "%s", vm->definition);
	snprintf(s->image_version, sizeof(s->image_version), "%s",
		 vm->image_version);
	snprintf(s->mac, sizeof(s->mac), "%s", vm->mac);
	/* Until its first start has read the provisioning, it is not done. */
	if (vm_file(vm, PROVISION_PENDING, path, sizeof(path)) < 0)
		return -1;
	s->booted = !aq_exists(path);
	s->cpus = vm->cpus;
	s->memory_mib = vm->memory_mib;
	s->disk_bytes = vm->disk_bytes;
	aq_time_iso(s->created, sizeof(s->created));
	if (random_id(s->id, sizeof(s->id)) < 0 ||
	    layer_tag(vm->image, s->parent, sizeof(s->parent)) < 0)
		return -1;
	if (s->parent[0]) {
		struct snapshot parent;

		if (snapshot_load(s->parent, &parent) < 0)
			return aq_error_wrap("its disk sits on snapshot '%s'",
					     s->parent);
		snprintf(s->base, sizeof(s->base), "%s", parent.base);
	} else {
		snprintf(s->base, sizeof(s->base), "%s", vm->image);
	}
	return 0;
}

static int final_dir(const char *tag, char *out, size_t len)
{
	char root[AQ_PATH_MAX];

	if (snapshot_root(root, sizeof(root)) < 0)
		return -1;
	return aq_path(out, len, "%s/%s", root, tag);
}

/* The tag exists and is the one this pending snapshot was making. */
static int committed(const struct pending *p)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	char saved[1024];
	int ok;

	/* Asked on error paths: the caller's error stays as it was. */
	snprintf(saved, sizeof(saved), "%s", aq_error_last());
	ok = s && snapshot_tag_valid(p->tag) == 0 &&
	     snapshot_load(p->tag, s) == 0 && !strcmp(s->id, p->id);
	free(s);
	aq_error_clear();
	if (saved[0])
		aq_error("%s", saved);
	return ok;
}

/* Keep the current error while cleanup calls may record others. */
static void keep_error(char *saved, size_t len)
{
	snprintf(saved, len, "%s", aq_error_last());
}

/* --- the VM's side, once the tag exists --- */

/* Point vm.ini at the new layer. */
static int adopt_layer(struct vm *vm, const char *tag)
{
	char dir[AQ_PATH_MAX];

	if (final_dir(tag, dir, sizeof(dir)) < 0 ||
	    aq_path(vm->image, sizeof(vm->image), "%s/%s", dir,
		    SNAPSHOT_LAYER) < 0)
		return -1;
	return vm_save(vm);
}

/* Cold: give the VM a fresh overlay on the tag's layer. */
static int finish_cold(struct vm *vm, const char *tag)
{
	char dir[AQ_PATH_MAX], next[AQ_PATH_MAX], disk[AQ_PATH_MAX];
	char layer[AQ_PATH_MAX];
	struct stat a, b;
	struct aq_vm abi;
	int ret = -1;

	if (final_dir(tag, dir, sizeof(dir)) < 0 ||
	    aq_path(layer, sizeof(layer), "%s/%s", dir, SNAPSHOT_LAYER) < 0 ||
	    vm_file(vm, AQ_VM_DISK, disk, sizeof(disk)) < 0 ||
	    vm_file(vm, ".snapshot-next", next, sizeof(next)) < 0)
		return -1;
	/* Already switched (a recovery after the rename). */
	if (stat(disk, &a) == 0 && stat(layer, &b) == 0 &&
	    (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
		return adopt_layer(vm, tag);
	aq_rm_rf(next);
	if (mkdir(next, 0700) < 0)
		return aq_error_errno("cannot create '%s'", next);
	vm_to_abi(vm, &abi);
	abi.dir = next;
	abi.base_image = layer;
	if (aq_call_disk_create(&abi) < 0)
		goto out;
	if (aq_path(dir, sizeof(dir), "%s/%s", next, AQ_VM_DISK) < 0)
		goto out;
	if (rename(dir, disk) < 0) {
		aq_error_errno("cannot rename '%s' to '%s'", dir, disk);
		goto out;
	}
	ret = adopt_layer(vm, tag);
out:
	aq_rm_rf(next);
	return ret;
}

/* Live: record which file is now the VM's top overlay. */
static int finish_live(struct vm *vm, const struct pending *p)
{
	char file[AQ_PATH_MAX];

	if (vm_file(vm, TAKE_TOP, file, sizeof(file)) < 0 ||
	    aq_write_file_atomic(file, p->next, strlen(p->next), 0600) < 0)
		return -1;
	return adopt_layer(vm, p->tag);
}

/* QEMU is gone: the top overlay becomes disk.qcow2, other names go. */
static int normalize_disk(const struct vm *vm)
{
	struct aq_buf top = AQ_BUF_INIT;
	char file[AQ_PATH_MAX], path[AQ_PATH_MAX], disk[AQ_PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = -1;

	if (vm_file(vm, TAKE_TOP, file, sizeof(file)) < 0 ||
	    vm_file(vm, AQ_VM_DISK, disk, sizeof(disk)) < 0)
		return -1;
	if (aq_exists(file)) {
		if (aq_read_file(file, &top) < 0)
			return -1;
		aq_rtrim(top.s);
		if (strncmp(top.s, "disk-", 5) || strchr(top.s, '/')) {
			aq_error("%s: not a disk name: '%.40s'", file, top.s);
			goto out;
		}
		if (vm_file(vm, top.s, path, sizeof(path)) < 0)
			goto out;
		if (aq_exists(path) && rename(path, disk) < 0) {
			aq_error_errno("cannot rename '%s' to '%s'", path, disk);
			goto out;
		}
	}
	dir = opendir(vm->dir);
	if (!dir) {
		aq_error_errno("cannot list '%s'", vm->dir);
		goto out;
	}
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "disk-", 5) &&
		    vm_file(vm, de->d_name, path, sizeof(path)) == 0)
			unlink(path);
	closedir(dir);
	unlink(file);
	ret = 0;
out:
	aq_buf_release(&top);
	return ret;
}

/* --- QMP --- */

static int qmp_connect(const struct vm *vm, struct qmp *q)
{
	char path[AQ_PATH_MAX];

	if (vm_file(vm, AQ_VM_QMP, path, sizeof(path)) < 0)
		return -1;
	return qmp_open(q, path, TAKE_QMP_MS);
}

static int qmp_string(struct qmp *q, const char *cmd, json_t *args,
		      const char *key, char *out, size_t len)
{
	json_t *r = NULL;
	const char *v;
	int ret = -1;

	if (qmp_command(q, cmd, args, &r, TAKE_QMP_MS) < 0)
		return -1;
	v = key ? json_string_value(json_object_get(r, key)) :
		  json_string_value(r);
	if (!v || strlen(v) >= len)
		aq_error("qmp: unexpected reply to '%s'", cmd);
	else
		ret = (memcpy(out, v, strlen(v) + 1), 0);
	json_decref(r);
	return ret;
}

/* "running", "paused", "postmigrate", ... */
static int qmp_status(struct qmp *q, char *out, size_t len)
{
	return qmp_string(q, "query-status", NULL, "status", out, len);
}

static int migration_status(struct qmp *q, char *status, size_t len,
			    char *why, size_t whylen)
{
	json_t *r = NULL;
	const char *s, *d;

	if (qmp_command(q, "query-migrate", NULL, &r, TAKE_QMP_MS) < 0)
		return -1;
	s = json_string_value(json_object_get(r, "status"));
	d = json_string_value(json_object_get(r, "error-desc"));
	snprintf(status, len, "%s", s ? s : "none");
	if (why)
		snprintf(why, whylen, "%s", d ? d : "no reason given");
	json_decref(r);
	return 0;
}

static int migration_over(const char *status)
{
	return !strcmp(status, "completed") || !strcmp(status, "failed") ||
	       !strcmp(status, "cancelled") || !strcmp(status, "none");
}

/*
 * The state is read after each MIGRATION event (and once first, in case
 * the last event came with a command's reply), so none can be missed.
 */
int snapshot_migration_wait(struct qmp *q, int timeout_ms, char *status,
			    size_t len, char *why, size_t whylen)
{
	long long deadline = aq_now_ms() + timeout_ms;

	for (;;) {
		long long left;
		int r;

		if (migration_status(q, status, len, why, whylen) < 0)
			return -1;
		if (migration_over(status))
			return 0;
		left = deadline - aq_now_ms();
		r = left > 0 ? qmp_wait_event(q, "MIGRATION", NULL, (int)left) :
			       AQ_ETIMEOUT;
		if (r == AQ_ETIMEOUT)
			return aq_error("migration not done after %d s (still "
					"%s)", timeout_ms / 1000, status);
		if (r < 0)
			return -1;
	}
}

int snapshot_qmp_events(struct qmp *q)
{
	json_t *args = json_pack("{s:[{s:s,s:b}]}", "capabilities",
				 "capability", "events", "state", 1);
	int ret;

	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "migrate-set-capabilities", args, NULL,
			  TAKE_QMP_MS);
	json_decref(args);
	return ret;
}

/* The state of job id: "ready", "concluded", ... or "" when gone. */
static int job_state(struct qmp *q, const char *id, char *state, size_t len,
		     char *why, size_t whylen)
{
	json_t *r = NULL, *job;
	size_t i;

	state[0] = '\0';
	if (qmp_command(q, "query-jobs", NULL, &r, TAKE_QMP_MS) < 0)
		return -1;
	json_array_foreach(r, i, job) {
		const char *jid = json_string_value(json_object_get(job,
								     "id"));
		const char *st = json_string_value(json_object_get(job,
								    "status"));
		const char *err = json_string_value(json_object_get(job,
								     "error"));

		if (jid && st && !strcmp(jid, id)) {
			snprintf(state, len, "%s", st);
			snprintf(why, whylen, "%s", err ? err : "");
		}
	}
	json_decref(r);
	return 0;
}

static int job_command(struct qmp *q, const char *cmd, const char *id)
{
	json_t *args = json_pack("{s:s}", "id", id);
	int ret;

	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, cmd, args, NULL, TAKE_QMP_MS);
	json_decref(args);
	return ret;
}

/* Drive a commit job to its end: complete it when ready, then dismiss. */
static int job_finish(struct qmp *q, const char *id)
{
	long long deadline = aq_now_ms() + TAKE_MIGRATE_MS;
	char state[32], why[512];

	for (;;) {
		long long left = deadline - aq_now_ms();
		int r;

		if (job_state(q, id, state, sizeof(state), why,
			      sizeof(why)) < 0)
			return -1;
		if (!strcmp(state, "ready") && job_command(q, "job-complete",
							    id) < 0)
			return -1;
		if (!strcmp(state, "concluded")) {
			if (job_command(q, "job-dismiss", id) < 0)
				return -1;
			return why[0] ? aq_error("commit failed: %s", why) : 0;
		}
		if (!state[0])
			return 0;
		r = left > 0 ? qmp_wait_event(q, "JOB_STATUS_CHANGE", NULL,
					      (int)left) : AQ_ETIMEOUT;
		if (r == AQ_ETIMEOUT)
			return aq_error("commit not done in time (%s)", state);
		if (r < 0)
			return -1;
	}
}

/*
 * The file under a node: its name, or, once the backing file name in its
 * header differs from what QEMU opened, a "json:{...}" description whose
 * "file" child names it.
 */
static int node_file(const char *f, char *out, size_t len)
{
	json_t *j, *name;
	int ret = -1;

	if (strncmp(f, "json:", 5)) {
		snprintf(out, len, "%s", f);
		return 0;
	}
	j = json_loads(f + 5, 0, NULL);
	name = json_object_get(json_object_get(j, "file"), "filename");
	if (json_is_string(name) && strlen(json_string_value(name)) < len) {
		snprintf(out, len, "%s", json_string_value(name));
		ret = 0;
	}
	json_decref(j);
	return ret < 0 ? aq_error("cannot tell the file of QEMU's disk from "
				  "'%.200s'", f) : 0;
}

/* The writable disk's device, its top node and that node's file. */
static int disk_node(struct qmp *q, char *device, size_t dlen, char *node,
		     size_t nlen, char *file, size_t flen)
{
	json_t *r = NULL, *b;
	int found = 0, ret = -1;
	size_t i;

	if (qmp_command(q, "query-block", NULL, &r, TAKE_QMP_MS) < 0)
		return -1;
	json_array_foreach(r, i, b) {
		json_t *in = json_object_get(b, "inserted");
		const char *dev = json_string_value(json_object_get(b,
								     "device"));
		const char *nn = json_string_value(json_object_get(in,
							"node-name"));
		const char *f = json_string_value(json_object_get(in,
								   "file"));

		if (!in || json_is_true(json_object_get(in, "ro")) || !dev ||
		    !nn || !f)
			continue;
		found++;
		snprintf(device, dlen, "%s", dev);
		snprintf(node, nlen, "%s", nn);
		if (file && node_file(f, file, flen) < 0)
			goto out;
	}
	if (found != 1) {
		aq_error("expected one writable disk in QEMU, found %d", found);
		goto out;
	}
	ret = 0;
out:
	json_decref(r);
	return ret;
}

/* Commit the new overlay back into the old one; QEMU writes the old. */
static int undo_switch(struct qmp *q, const struct pending *p)
{
	char device[64], node[64];
	json_t *args;
	int ret;

	if (disk_node(q, device, sizeof(device), node, sizeof(node), NULL,
		      0) < 0)
		return -1;
	if (strcmp(node, p->new_node))
		return 0;
	args = json_pack("{s:s,s:s,s:s,s:b}", "job-id", TAKE_JOB, "device",
			 p->device, "base-node", p->old_node, "auto-dismiss",
			 0);
	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "block-commit", args, NULL, TAKE_QMP_MS);
	json_decref(args);
	if (ret == 0)
		ret = job_finish(q, TAKE_JOB);
	return ret < 0 ? aq_error_wrap("cannot switch the disk back") : 0;
}

/*
 * Let the guest go on if this snapshot paused it.  QEMU announces the
 * end of a migration before it leaves the "finish-migrate" state, in
 * which "cont" is refused, and that state change has no event: it is
 * polled for, briefly.
 */
static int resume_guest(struct qmp *q, const struct pending *p)
{
	long long deadline = aq_now_ms() + TAKE_QMP_MS;
	char status[32];

	if (!p->was_running)
		return 0;
	for (;;) {
		if (qmp_status(q, status, sizeof(status)) < 0)
			return -1;
		if (strcmp(status, "finish-migrate") ||
		    aq_now_ms() >= deadline)
			break;
		aq_sleep_ms(10);
	}
	if (!strcmp(status, "paused") || !strcmp(status, "postmigrate") ||
	    !strcmp(status, "finish-migrate"))
		return qmp_command(q, "cont", NULL, NULL, TAKE_QMP_MS);
	return 0;
}

/* --- recovery --- */

static int recover_live_qemu(const struct vm *vm, const struct pending *p,
			     int done)
{
	struct qmp q = QMP_INIT;
	char status[32];
	int ret = -1;

	if (qmp_connect(vm, &q) < 0)
		return -1;
	if (migration_status(&q, status, sizeof(status), NULL, 0) < 0)
		goto out;
	if (!migration_over(status)) {
		if (qmp_command(&q, "migrate_cancel", NULL, NULL,
				TAKE_QMP_MS) < 0 ||
		    snapshot_migration_wait(&q, TAKE_QMP_MS, status,
					    sizeof(status), NULL, 0) < 0)
			goto out;
	}
	/* A completed migration leaves the disk inactive until "cont". */
	if (resume_guest(&q, p) < 0 || (!done && undo_switch(&q, p) < 0))
		goto out;
	ret = 0;
out:
	qmp_close(&q);
	return ret;
}

static int recover_pending(struct vm *vm, const struct pending *p)
{
	int done = committed(p);
	char next[AQ_PATH_MAX];

	aq_log(AQ_LOG_INFO, "%s the interrupted snapshot '%s' of %s",
	       done ? "finishing" : "undoing", p->tag, vm->name);
	if (p->live && vm_pid(vm) && recover_live_qemu(vm, p, done) < 0)
		return -1;
	if (done)
		return p->live ? finish_live(vm, p) : finish_cold(vm, p->tag);
	/* Unused now: the commit dropped it, or QEMU is gone. */
	if (p->live && p->next[0] && !strncmp(p->next, "disk-", 5)) {
		if (vm_file(vm, p->next, next, sizeof(next)) < 0)
			return -1;
		unlink(next);
	}
	if (p->tmp[0] && strstr(p->tmp, "/.new-"))
		return aq_rm_rf(p->tmp);
	return 0;
}

int snapshot_recover(struct vm *vm)
{
	struct pending p;
	int r = pending_load(vm, &p);

	if (r < 0)
		return -1;
	if (r > 0) {
		if (recover_pending(vm, &p) < 0)
			return aq_error_wrap("cannot recover from the "
					     "interrupted snapshot '%s'",
					     p.tag);
		pending_drop(vm);
	}
	if (!vm_pid(vm) && normalize_disk(vm) < 0)
		return -1;
	return r > 0 ? vm_load(vm->name, vm) : 0;
}

/* --- taking --- */

static int make_tmp(const char *tag, char *tmp, size_t len)
{
	char root[AQ_PATH_MAX];

	if (snapshot_root(root, sizeof(root)) < 0 ||
	    aq_path(tmp, len, "%s/.new-%s-XXXXXX", root, tag) < 0)
		return -1;
	if (!mkdtemp(tmp))
		return aq_error_errno("cannot create '%s'", tmp);
	return 0;
}

/* Make the files of s->dir read-only and rename it to its tag. */
static int commit_tag(struct snapshot *s, const char *tmp)
{
	char path[AQ_PATH_MAX], final[AQ_PATH_MAX];

	if (aq_path(s->dir, sizeof(s->dir), "%s", tmp) < 0 ||
	    snapshot_file(s, SNAPSHOT_LAYER, path, sizeof(path)) < 0)
		return -1;
	if (chmod(path, 0444) < 0)
		return aq_error_errno("cannot make '%s' read-only", path);
	if (s->live) {
		if (snapshot_file(s, SNAPSHOT_STATE, path, sizeof(path)) < 0)
			return -1;
		if (chmod(path, 0444) < 0)
			return aq_error_errno("cannot make '%s' read-only",
					      path);
	}
	if (snapshot_save(s) < 0 || final_dir(s->tag, final,
					       sizeof(final)) < 0)
		return -1;
	if (rename(tmp, final) < 0)
		return aq_error_errno("cannot rename '%s' to '%s'", tmp, final);
	return aq_path(s->dir, sizeof(s->dir), "%s", final);
}

static int link_layer(const char *disk, const char *tmp)
{
	char layer[AQ_PATH_MAX];

	if (aq_path(layer, sizeof(layer), "%s/%s", tmp, SNAPSHOT_LAYER) < 0)
		return -1;
	if (link(disk, layer) < 0)
		return aq_error_errno("cannot link '%s' to '%s'", disk, layer);
	return 0;
}

static int take_cold(struct vm *vm, struct snapshot *s, const char *tmp)
{
	char disk[AQ_PATH_MAX];

	if (vm_file(vm, AQ_VM_DISK, disk, sizeof(disk)) < 0 ||
	    link_layer(disk, tmp) < 0 || commit_tag(s, tmp) < 0)
		return -1;
	if (finish_cold(vm, s->tag) < 0)
		return aq_error_wrap("snapshot '%s' is made, but '%s' still has "
				     "to move onto it ('aq start %s' does "
				     "that)", s->tag, vm->name, vm->name);
	return 0;
}

int snapshot_qemu_facts(struct qmp *q, struct snapshot *s)
{
	json_t *r = NULL, *args = NULL, *v;
	const char *path;
	int ret = -1;

	if (qmp_command(q, "query-version", NULL, &r, TAKE_QMP_MS) < 0)
		return -1;
	v = json_object_get(r, "qemu");
	snprintf(s->qemu, sizeof(s->qemu), "%lld.%lld.%lld",
		 (long long)json_integer_value(json_object_get(v, "major")),
		 (long long)json_integer_value(json_object_get(v, "minor")),
		 (long long)json_integer_value(json_object_get(v, "micro")));
	json_decref(r);
	r = NULL;
	args = json_pack("{s:s,s:s}", "path", "/machine", "property", "type");
	if (!args || qmp_string(q, "qom-get", args, NULL, s->machine,
				sizeof(s->machine)) < 0)
		goto out;
	json_decref(args);
	args = NULL;
	if (qmp_command(q, "query-cpus-fast", NULL, &r, TAKE_QMP_MS) < 0)
		goto out;
	path = json_string_value(json_object_get(json_array_get(r, 0),
						 "qom-path"));
	args = json_pack("{s:s,s:s}", "path", path ? path : "/machine",
			 "property", "type");
	if (!args || qmp_string(q, "qom-get", args, NULL, s->cpu_model,
				sizeof(s->cpu_model)) < 0)
		goto out;
	ret = 0;
out:
	json_decref(args);
	json_decref(r);
	return ret;
}

/* What a restore of this QEMU's state must find again. */
static int requirements(struct qmp *q, const struct vm *vm,
			struct snapshot *s)
{
	struct aq_buf accel = AQ_BUF_INIT;
	char file[AQ_PATH_MAX];

	if (snapshot_qemu_facts(q, s) < 0)
		return -1;
	if (vm_file(vm, SNAPSHOT_ACCEL, file, sizeof(file)) == 0 &&
	    aq_read_file(file, &accel) == 0) {
		aq_rtrim(accel.s);
		snprintf(s->accel, sizeof(s->accel), "%s", accel.s);
	}
	aq_buf_release(&accel);
	aq_error_clear();
	if (!s->accel[0]) {
		struct vm copy = *vm;

		if (qemu_choose_accel(&copy) < 0)
			return -1;
		snprintf(s->accel, sizeof(s->accel), "%s", copy.accel);
	}
	return 0;
}

static int switch_disk(struct qmp *q, const struct vm *vm,
		       const struct pending *p)
{
	char next[AQ_PATH_MAX], dir[AQ_PATH_MAX], layer[AQ_PATH_MAX];
	json_t *args;
	int ret;

	if (vm_file(vm, p->next, next, sizeof(next)) < 0 ||
	    final_dir(p->tag, dir, sizeof(dir)) < 0 ||
	    aq_path(layer, sizeof(layer), "%s/%s", dir, SNAPSHOT_LAYER) < 0)
		return -1;
	if (aq_exists(next))
		return aq_error("'%s' already exists", next);
	args = json_pack("{s:s,s:s,s:s,s:s,s:s}", "device", p->device,
			 "snapshot-file", next, "snapshot-node-name",
			 p->new_node, "format", "qcow2", "mode",
			 "absolute-paths");
	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "blockdev-snapshot-sync", args, NULL,
			  TAKE_QMP_MS);
	json_decref(args);
	if (ret < 0)
		return -1;
	/* Only the name is written; the file appears with the tag. */
	args = json_pack("{s:s,s:s,s:s}", "device", p->device,
			 "image-node-name", p->new_node, "backing-file", layer);
	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "change-backing-file", args, NULL, TAKE_QMP_MS);
	json_decref(args);
	return ret;
}

static int save_memory(struct qmp *q, const char *tmp)
{
	char state[AQ_PATH_MAX], status[32], why[512];
	json_t *args;
	int ret;

	if (aq_path(state, sizeof(state), "%s/%s", tmp, SNAPSHOT_STATE) < 0 ||
	    snapshot_qmp_events(q) < 0)
		return -1;
	args = json_pack("{s:[{s:s,s:{s:s,s:s,s:i}}]}", "channels",
			 "channel-type", "main", "addr", "transport", "file",
			 "filename", state, "offset", 0);
	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "migrate", args, NULL, TAKE_QMP_MS);
	json_decref(args);
	if (ret < 0 || snapshot_migration_wait(q, TAKE_MIGRATE_MS, status,
					       sizeof(status), why,
					       sizeof(why)) < 0)
		return -1;
	if (strcmp(status, "completed"))
		return aq_error("cannot save the memory into '%s': %s", state,
				why);
	return 0;
}

/*
 * Pause, switch the disk, save the memory, go on.  On failure *clean
 * tells whether the VM is back as it was (else snapshot.pending stays
 * for a later recovery).
 */
static int take_live_qmp(struct qmp *q, struct vm *vm, struct snapshot *s,
			 struct pending *p, int *clean)
{
	char status[32], saved[1024], top[AQ_PATH_MAX];
	size_t n = strlen(vm->dir);
	int switched = 0;

	*clean = 1;
	if (requirements(q, vm, s) < 0 || qmp_status(q, status,
						     sizeof(status)) < 0 ||
	    disk_node(q, p->device, sizeof(p->device), p->old_node,
		      sizeof(p->old_node), top, sizeof(top)) < 0)
		return -1;
	if (strncmp(top, vm->dir, n) || top[n] != '/' || strchr(top + n + 1,
								 '/'))
		return aq_error("QEMU's disk '%s' is not in '%s'", top,
				vm->dir);
	p->was_running = !strcmp(status, "running");
	snprintf(p->new_node, sizeof(p->new_node), "aq-%.20s", s->id);
	snprintf(p->next, sizeof(p->next), "disk-%.16s.qcow2", s->id);
	if (pending_save(vm, p) < 0)
		return -1;
	if (p->was_running && qmp_command(q, "stop", NULL, NULL,
					  TAKE_QMP_MS) < 0)
		return -1;
	if (link_layer(top, p->tmp) < 0)
		goto undo;
	if (switch_disk(q, vm, p) < 0)
		goto undo;
	switched = 1;
	if (save_memory(q, p->tmp) < 0)
		goto undo;
	if (resume_guest(q, p) < 0)
		return -1;
	return 0;
undo:
	keep_error(saved, sizeof(saved));
	if (switched && undo_switch(q, p) < 0) {
		*clean = 0;
		aq_log(AQ_LOG_WARN, "%s", aq_error_last());
	}
	if (resume_guest(q, p) < 0)
		*clean = 0;
	aq_error("%s", saved);
	return -1;
}

static int take_live(struct vm *vm, struct snapshot *s, struct pending *p,
		     int *dirty)
{
	struct qmp q = QMP_INIT;
	char next[AQ_PATH_MAX];
	int ret, clean;

	s->live = 1;
	p->live = 1;
	if (qmp_connect(vm, &q) < 0)
		return -1;
	ret = take_live_qmp(&q, vm, s, p, &clean);
	qmp_close(&q);
	if (ret < 0 && !clean) {
		*dirty = 1;
		return aq_error_wrap("'%s' may still be paused; 'aq start %s' "
				     "retries the undo", vm->name, vm->name);
	}
	if (ret < 0) {
		if (vm_file(vm, p->next, next, sizeof(next)) == 0)
			unlink(next);
		return -1;
	}
	if (commit_tag(s, p->tmp) < 0)
		return -1;
	if (finish_live(vm, p) < 0)
		return aq_error_wrap("snapshot '%s' is made, but '%s' still has "
				     "to be moved onto it ('aq start %s' "
				     "does that)", s->tag, vm->name, vm->name);
	return 0;
}

static int take_locked(struct vm *vm, const char *tag)
{
	char final[AQ_PATH_MAX], saved[1024];
	struct pending p;
	struct snapshot *s = calloc(1, sizeof(*s));
	int ret = -1, dirty = 0;

	if (!s)
		return aq_error("out of memory");
	memset(&p, 0, sizeof(p));
	if (snapshot_recover(vm) < 0 || final_dir(tag, final,
						  sizeof(final)) < 0)
		goto out;
	if (aq_exists(final)) {
		aq_error("a snapshot named '%s' already exists", tag);
		goto out;
	}
	if (describe(vm, tag, s) < 0 || make_tmp(tag, p.tmp,
						 sizeof(p.tmp)) < 0)
		goto out;
	snprintf(p.tag, sizeof(p.tag), "%s", tag);
	snprintf(p.id, sizeof(p.id), "%s", s->id);
	if (vm_pid(vm)) {
		ret = take_live(vm, s, &p, &dirty);
	} else if (pending_save(vm, &p) == 0) {
		ret = take_cold(vm, s, p.tmp);
	}
	/* Undone, or made but the VM not yet moved: pending stays. */
	if (dirty || (ret < 0 && committed(&p)))
		goto out;
	if (ret < 0) {
		keep_error(saved, sizeof(saved));
		aq_rm_rf(p.tmp);
		aq_error("%s", saved);
	}
	pending_drop(vm);
out:
	free(s);
	return ret;
}

/* Does some VM's pending snapshot still own hidden directory tmp? */
static int tmp_owned(const char *tmp)
{
	char **names = NULL;
	size_t n;
	int owned = 0;

	if (vm_list(&names, &n) < 0)
		return 1;
	for (size_t i = 0; i < n && !owned; i++) {
		struct pending p;
		struct vm vm;

		if (vm_load(names[i], &vm) == 0 && pending_load(&vm, &p) > 0 &&
		    !strcmp(p.tmp, tmp))
			owned = 1;
		aq_error_clear();
	}
	aq_names_free(names);
	return owned;
}

void snapshot_gc(void)
{
	char root[AQ_PATH_MAX], path[AQ_PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (snapshot_root(root, sizeof(root)) < 0 || !(dir = opendir(root))) {
		aq_error_clear();
		return;
	}
	while ((de = readdir(dir))) {
		int rm = !strncmp(de->d_name, ".rm-", 4);

		if (!rm && strncmp(de->d_name, ".new-", 5))
			continue;
		if (aq_path(path, sizeof(path), "%s/%s", root, de->d_name) < 0)
			continue;
		if (rm || !tmp_owned(path)) {
			aq_log(AQ_LOG_DEBUG, "removing leftover '%s'", path);
			aq_rm_rf(path);
		}
	}
	closedir(dir);
	aq_error_clear();
}

int snapshot_create(const char *name, const char *tag)
{
	char lockfile[AQ_PATH_MAX];
	int home = -1, lock = -1, ret = -1;
	struct vm vm;

	if (snapshot_tag_valid(tag) < 0)
		return -1;
	home = aq_lock_home();
	if (home < 0)
		return -1;
	if (vm_load(name, &vm) < 0 ||
	    vm_file(&vm, "lock", lockfile, sizeof(lockfile)) < 0)
		goto out;
	lock = aq_lock(lockfile, 0);
	if (lock == AQ_ELOCKED) {
		aq_error("'%s' is busy: another aq command is using it", name);
		goto out;
	}
	if (lock < 0)
		goto out;
	ret = take_locked(&vm, tag);
	if (ret == 0)
		snapshot_gc();
out:
	if (lock >= 0)
		aq_unlock(lock);
	aq_unlock(home);
	return ret;
}
