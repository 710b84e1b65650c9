/*
 * The first start of a VM made from a snapshot.
 *
 * A clone of a live snapshot does not boot: QEMU starts with
 * "-incoming defer", is checked against what the snapshot recorded
 * (QEMU version, machine type, CPU model; memory, CPUs and accelerator
 * before that), loads memory.state with migrate-incoming and goes on.
 * The guest then still believes it is the source VM, so once it answers
 * SSH aq gives it its own hostname, moves its NIC to the clone's MAC
 * (the MAC is part of the migrated device state, and virtio-net lets the
 * guest set it), and sets its clock, which stopped at the snapshot.
 *
 * A clone of a cold snapshot boots, but from a disk whose first boot
 * is long done: tiny-cloud will not run again, so the hostname is set
 * the same way.
 *
 * clone.ini in the VM's directory says what is still to do; it is
 * removed once the clone has its identity.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "inifile.h"
#include "loader.h"
#include "platform.h"
#include "qemu.h"
#include "qmp.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

#define START_QMP_MS 10000
#define START_LOAD_MS (10 * 60 * 1000)

static const struct aq_ini_key clone_schema[] = {
	{ "clone", "tag", 0 },
	{ "clone", "id", 0 },
	{ "clone", "resume", 0 },
	{ "clone", "mac", 0 },
	{ NULL, NULL, 0 }
};

struct clone {
	char tag[AQ_NAME_MAX + 1];
	char id[40];
	char resume[8];		/* "yes", "no", or "done" once resumed */
	char mac[AQ_MAC_LEN];	/* the source's, which a resumed guest has */
};

static int clone_copy(const struct aq_ini *ini, const char *file,
		      const char *key, char *out, size_t len)
{
	const char *v = aq_ini_get(ini, "clone", key);

	if (!v || strlen(v) >= len)
		return aq_error("%s: bad or missing value for '%s'", file, key);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* 1 and *c when vm is a clone not yet adopted, 0 when not, or -1. */
static int clone_load(const struct vm *vm, struct clone *c)
{
	struct aq_ini ini = AQ_INI_INIT;
	char file[AQ_PATH_MAX];
	int ret = -1;

	if (vm_file(vm, SNAPSHOT_CLONE_INI, file, sizeof(file)) < 0)
		return -1;
	if (!aq_exists(file))
		return 0;
	if (aq_ini_load(file, clone_schema, &ini) < 0)
		return -1;
	if (clone_copy(&ini, file, "tag", c->tag, sizeof(c->tag)) == 0 &&
	    clone_copy(&ini, file, "id", c->id, sizeof(c->id)) == 0 &&
	    clone_copy(&ini, file, "resume", c->resume,
		       sizeof(c->resume)) == 0 &&
	    clone_copy(&ini, file, "mac", c->mac, sizeof(c->mac)) == 0)
		ret = 1;
	aq_ini_release(&ini);
	return ret;
}

static int clone_resumed(const struct vm *vm, const struct clone *c)
{
	char file[AQ_PATH_MAX], text[256];
	int n;

	if (vm_file(vm, SNAPSHOT_CLONE_INI, file, sizeof(file)) < 0)
		return -1;
	n = snprintf(text, sizeof(text), "# aq: what the first start of this "
		     "clone still has to do\n[clone]\ntag = %s\nid = %s\n"
		     "resume = done\nmac = %s\n", c->tag, c->id, c->mac);
	if (n < 0 || (size_t)n >= sizeof(text))
		return aq_error("snapshot tag too long");
	return aq_write_file_atomic(file, text, (size_t)n, 0600);
}

/* Refuse before QEMU starts what would make the restore fail. */
static int check_before(const struct snapshot *s, const struct vm *vm)
{
	if (snapshot_clone_check(s, vm) < 0)
		return -1;
	if (strcmp(s->arch, vm->arch))
		return aq_error("live snapshot '%s' is of an %s guest, not %s",
				s->tag, s->arch, vm->arch);
	if (strcmp(s->accel, vm->accel))
		return aq_error("live snapshot '%s' was taken under %s; it "
				"cannot be resumed under %s (set AQ_ACCEL=%s)",
				s->tag, s->accel, vm->accel, s->accel);
	return 0;
}

/* Refuse a QEMU that differs from the one that saved the state. */
static int check_qemu(struct qmp *q, const struct snapshot *s)
{
	struct snapshot *now = calloc(1, sizeof(*now));
	int ret = -1;

	if (!now)
		return aq_error("out of memory");
	if (snapshot_qemu_facts(q, now) < 0)
		goto out;
	if (strcmp(now->qemu, s->qemu) || strcmp(now->machine, s->machine))
		aq_error("live snapshot '%s' was taken with QEMU %s (machine "
			 "%s); this is QEMU %s (machine %s), which cannot "
			 "resume it", s->tag, s->qemu, s->machine, now->qemu,
			 now->machine);
	else if (strcmp(now->cpu_model, s->cpu_model))
		aq_error("live snapshot '%s' was taken with CPU model %s, not "
			 "%s", s->tag, s->cpu_model, now->cpu_model);
	else
		ret = 0;
out:
	free(now);
	return ret;
}

static int load_state(struct qmp *q, const struct snapshot *s)
{
	char state[AQ_PATH_MAX], status[32], why[512];
	json_t *args;
	int ret;

	if (snapshot_file(s, SNAPSHOT_STATE, state, sizeof(state)) < 0 ||
	    snapshot_qmp_events(q) < 0)
		return -1;
	args = json_pack("{s:[{s:s,s:{s:s,s:s,s:i}}],s:b}", "channels",
			 "channel-type", "main", "addr", "transport", "file",
			 "filename", state, "offset", 0, "exit-on-error", 0);
	if (!args)
		return aq_error("out of memory");
	ret = qmp_command(q, "migrate-incoming", args, NULL, START_QMP_MS);
	json_decref(args);
	if (ret < 0 || snapshot_migration_wait(q, START_LOAD_MS, status,
					       sizeof(status), why,
					       sizeof(why)) < 0)
		return -1;
	if (strcmp(status, "completed"))
		return aq_error("cannot load '%s': %s", state, why);
	return qmp_command(q, "cont", NULL, NULL, START_QMP_MS);
}

/* Stop a QEMU that was started for a restore that did not happen. */
static void abandon(const struct vm *vm, struct qmp *q)
{
	pid_t pid = vm_pid(vm);

	if (q->fd >= 0)
		qmp_command(q, "quit", NULL, NULL, START_QMP_MS);
	for (int i = 0; pid && i < 50 && platform_process_alive(pid); i++)
		aq_sleep_ms(100);
	if (pid && platform_process_alive(pid))
		kill(pid, SIGKILL);
	vm_clean_runtime(vm);
}

static int restore_from(struct vm *vm, const struct clone *c,
			struct snapshot *s)
{
	static const char *const incoming[] = { "-incoming", "defer", NULL };
	char path[AQ_PATH_MAX], saved[1024];
	struct qmp q = QMP_INIT;

	if (snapshot_load(c->tag, s) < 0)
		return -1;
	if (strcmp(s->id, c->id))
		return aq_error("snapshot '%s' is not the one '%s' was made "
				"from", c->tag, vm->name);
	if (!s->live || snapshot_file(s, SNAPSHOT_STATE, path,
				      sizeof(path)) < 0 || !aq_exists(path))
		return aq_error("snapshot '%s' has no memory state", c->tag);
	if (check_before(s, vm) < 0)
		return -1;
	if (qemu_launch_extra(vm, incoming) < 0)
		return -1;
	if (vm_file(vm, AQ_VM_QMP, path, sizeof(path)) < 0 ||
	    qmp_open(&q, path, START_QMP_MS) < 0 || check_qemu(&q, s) < 0 ||
	    load_state(&q, s) < 0 || clone_resumed(vm, c) < 0) {
		snprintf(saved, sizeof(saved), "%s", aq_error_last());
		abandon(vm, &q);
		qmp_close(&q);
		aq_error("%s", saved);
		return -1;
	}
	qmp_close(&q);
	aq_log(AQ_LOG_DEBUG, "%s resumed snapshot '%s'", vm->name, c->tag);
	return 0;
}

static int restore(struct vm *vm, const struct clone *c)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return aq_error("out of memory");
	ret = restore_from(vm, c, s);
	free(s);
	return ret;
}

int snapshot_launch(struct vm *vm)
{
	char file[AQ_PATH_MAX];
	struct clone c;
	int r = clone_load(vm, &c);

	if (r < 0)
		return -1;
	if (r == 1 && !strcmp(c.resume, "yes"))
		r = restore(vm, &c);
	else
		r = qemu_launch(vm);
	if (r < 0)
		return -1;
	/* A live snapshot records it; QEMU cannot tell tcg from hvf. */
	if (vm_file(vm, SNAPSHOT_ACCEL, file, sizeof(file)) == 0 &&
	    aq_write_file_atomic(file, vm->accel, strlen(vm->accel),
				 0600) < 0)
		aq_error_clear();
	return 0;
}

/*
 * $1 the new name; for a resumed guest also $2 the MAC it still has,
 * $3 the clone's and $4 the time.
 */
static const char adopt_script[] =
	"hostname \"$1\" && printf '%s\\n' \"$1\" >/etc/hostname || exit 1\n"
	"if [ -f /etc/hosts ]; then\n"
	"\tsed -i '/^127\\.0\\.1\\.1[[:space:]]/d' /etc/hosts\n"
	"fi\n"
	"printf '127.0.1.1\\t%s\\n' \"$1\" >>/etc/hosts\n"
	"[ -n \"$2\" ] || exit 0\n"
	"for i in /sys/class/net/*; do\n"
	"\t[ \"$(cat \"$i/address\" 2>/dev/null)\" = \"$2\" ] || continue\n"
	"\tip link set dev \"${i##*/}\" address \"$3\" || exit 1\n"
	"done\n"
	"date -s \"@$4\" >/dev/null\n";

int snapshot_adopt(const struct vm *vm)
{
	char file[AQ_PATH_MAX], now[32];
	const char *argv[10];
	struct aq_vm abi;
	struct clone c;
	int r = clone_load(vm, &c), status = 0, argc = 0;

	if (r <= 0)
		return r;
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	argv[argc++] = "sh";
	argv[argc++] = "-c";
	argv[argc++] = adopt_script;
	argv[argc++] = "sh";
	argv[argc++] = vm->name;
	if (!strcmp(c.resume, "done")) {
		argv[argc++] = c.mac;
		argv[argc++] = vm->mac;
		argv[argc++] = now;
	}
	argv[argc] = NULL;
	vm_to_abi(vm, &abi);
	if (aq_call_exec_quiet(&abi, argc, argv, &status) < 0)
		return aq_error_wrap("cannot give '%s' its own identity",
				     vm->name);
	if (status != 0)
		return aq_error("cannot give '%s' its own hostname and MAC: "
				"the guest's script exited with %d", vm->name,
				status);
	if (vm_file(vm, SNAPSHOT_CLONE_INI, file, sizeof(file)) == 0)
		unlink(file);
	return 0;
}
