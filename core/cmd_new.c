/*
 * aq new: create a VM.
 *
 * The VM is assembled in a hidden directory under vms/ (base image
 * fetched, overlay disk, seed, vm.ini) and renamed into place as the last
 * step, so that either the whole VM exists afterwards or nothing does.
 * Names, ports and MACs are checked against the other VMs under
 * $AQ_HOME/aq.lock, so two `aq new` at once cannot pick the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "image.h"
#include "loader.h"
#include "lock.h"
#include "names.h"
#include "opts.h"
#include "platform.h"
#include "portspec.h"
#include "provision.h"
#include "snapshot.h"
#include "util.h"
#include "banned.h"

enum { OPT_CPUS = 1000, OPT_MEMORY, OPT_DISK, OPT_MAC, OPT_IMAGE,
	OPT_PROVISION, OPT_FROM, OPT_COUNT };

static const struct aq_opt new_opts[] = {
	{ 'p', 'p', "port", 1 },
	{ OPT_CPUS, 'c', "cpus", 1 },
	{ OPT_MEMORY, 'm', "memory", 1 },
	{ OPT_DISK, 'd', "disk", 1 },
	{ OPT_MAC, 0, "mac", 1 },
	{ OPT_IMAGE, 'i', "image", 1 },
	{ OPT_PROVISION, 0, "provision", 1 },
	{ OPT_FROM, 0, "from", 1 },
	{ OPT_COUNT, 'n', "count", 1 },
	{ 0, 0, NULL, 0 }
};

/* What the other VMs already use. */
struct taken {
	struct aq_forward *ports;	/* ssh ports appear as tcp forwards */
	size_t nports;
	char (*macs)[AQ_MAC_LEN];
	size_t nmacs;
};

struct new_args {
	struct vm vm;
	const char *image;
	const char *cpus, *memory, *disk, *mac;
	const char *provision;		/* a one-off first-boot script */
	struct provision prov;
	const char *from;		/* a snapshot tag */
	struct snapshot snap;
	long count;			/* 0: one VM named NAME */
};

static int taken_add_port(struct taken *t, const struct aq_forward *f)
{
	struct aq_forward *p = realloc(t->ports,
				       (t->nports + 1) * sizeof(*p));

	if (!p)
		return aq_error("out of memory");
	t->ports = p;
	t->ports[t->nports++] = *f;
	return 0;
}

static int taken_add_vm(struct taken *t, const struct vm *vm)
{
	struct aq_forward ssh = { "tcp", AQ_DEFAULT_BIND, vm->ssh_port, 22 };
	char (*m)[AQ_MAC_LEN];

	if (taken_add_port(t, &ssh) < 0)
		return -1;
	for (size_t i = 0; i < vm->nforwards; i++)
		if (taken_add_port(t, &vm->forwards[i]) < 0)
			return -1;
	m = realloc(t->macs, (t->nmacs + 1) * sizeof(*m));
	if (!m)
		return aq_error("out of memory");
	t->macs = m;
	memcpy(t->macs[t->nmacs++], vm->mac, AQ_MAC_LEN);
	return 0;
}

static int taken_load(struct taken *t)
{
	char **names = NULL;
	size_t n;
	int ret = 0;

	if (vm_list(&names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct vm vm;

		if (vm_load(names[i], &vm) < 0) {
			aq_log(AQ_LOG_WARN, "ignoring VM '%s': %s", names[i],
			       aq_error_last());
			aq_error_clear();
			continue;
		}
		ret = taken_add_vm(t, &vm);
	}
	aq_names_free(names);
	return ret;
}

static void taken_release(struct taken *t)
{
	free(t->ports);
	free(t->macs);
}

/* Two binds clash when the ports match and either address covers all. */
static const char *port_owner(const struct taken *t, const struct vm *self,
			      const struct aq_forward *f)
{
	for (size_t i = 0; i < t->nports; i++) {
		const struct aq_forward *o = &t->ports[i];

		if (o->host_port == f->host_port &&
		    !strcmp(o->proto, f->proto) &&
		    (!strcmp(o->host_addr, f->host_addr) ||
		     !strcmp(o->host_addr, "0.0.0.0") ||
		     !strcmp(f->host_addr, "0.0.0.0")))
			return "another VM";
	}
	for (size_t i = 0; self && i < self->nforwards; i++)
		if (&self->forwards[i] != f &&
		    self->forwards[i].host_port == f->host_port &&
		    !strcmp(self->forwards[i].proto, f->proto))
			return "this VM twice";
	return NULL;
}

static int check_forwards(const struct taken *t, const struct vm *vm)
{
	for (size_t i = 0; i < vm->nforwards; i++) {
		const struct aq_forward *f = &vm->forwards[i];
		const char *owner = port_owner(t, vm, f);

		if (owner)
			return aq_error("port %d/%s on %s is already used "
					"by %s", f->host_port, f->proto,
					f->host_addr, owner);
		if (aq_call_net_port_check(f->proto, f->host_addr,
					   f->host_port) < 0)
			return -1;
	}
	return 0;
}

static int pick_ssh_port(const struct taken *t, struct vm *vm)
{
	for (int tries = 0; tries < 50; tries++) {
		struct aq_forward f = { "tcp", AQ_DEFAULT_BIND, 0, 22 };
		int port = aq_call_net_port_pick(AQ_DEFAULT_BIND);

		if (port < 0)
			return -1;
		f.host_port = port;
		if (port_owner(t, vm, &f))
			continue;
		vm->ssh_port = port;
		return 0;
	}
	return aq_error("cannot find a free port for SSH");
}

static int mac_valid(const char *mac)
{
	unsigned int b[6];
	char end;

	if (strlen(mac) != 17 ||
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		return aq_error("invalid MAC address '%s': use "
				"xx:xx:xx:xx:xx:xx", mac);
	if (b[0] & 1)
		return aq_error("invalid MAC address '%s': it is a multicast "
				"address", mac);
	return 0;
}

static int mac_taken(const struct taken *t, const char *mac)
{
	for (size_t i = 0; i < t->nmacs; i++)
		if (!strcasecmp(t->macs[i], mac))
			return 1;
	return 0;
}

static int choose_mac(const struct taken *t, struct new_args *a)
{
	if (a->mac) {
		if (mac_valid(a->mac) < 0)
			return -1;
		snprintf(a->vm.mac, sizeof(a->vm.mac), "%s", a->mac);
		for (char *p = a->vm.mac; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		if (mac_taken(t, a->vm.mac))
			return aq_error("MAC address %s is already used by "
					"another VM", a->vm.mac);
		return 0;
	}
	for (int tries = 0; tries < 100; tries++) {
		if (aq_call_net_mac_new(a->vm.mac) < 0)
			return -1;
		if (!mac_taken(t, a->vm.mac))
			return 0;
	}
	return aq_error("cannot find an unused MAC address");
}

static int pick_name(struct vm *vm)
{
	char root[AQ_PATH_MAX], dir[AQ_PATH_MAX];

	if (vm_root(root, sizeof(root)) < 0)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		if (names_random(vm->name, sizeof(vm->name)) < 0 ||
		    aq_path(dir, sizeof(dir), "%s/%s", root, vm->name) < 0)
			return -1;
		if (!aq_exists(dir))
			return 0;
	}
	vm->name[0] = '\0';
	return aq_error("cannot find an unused random name: give one");
}

/* Flags win over [defaults] in the config, which win over the image. */
static int resources(struct new_args *a, const struct image_def *def)
{
	/* A clone has its snapshot's resources unless told otherwise. */
	const char *cpus = a->cpus || a->from ? a->cpus :
			   aq_config_get("defaults", "cpus");
	const char *mem = a->memory || a->from ? a->memory :
			  aq_config_get("defaults", "memory");
	const char *disk = a->disk || a->from ? a->disk :
			   aq_config_get("defaults", "disk");
	long long bytes;
	long n;

	a->vm.cpus = def->cpus;
	a->vm.memory_mib = def->memory_mib;
	a->vm.disk_bytes = def->disk_bytes;
	if (cpus) {
		if (aq_parse_long(cpus, 1, 256, &n) < 0)
			return aq_error_wrap("invalid cpu count");
		a->vm.cpus = (int)n;
	}
	if (mem) {
		if (aq_parse_size(mem, 1LL << 20, &bytes) < 0)
			return aq_error_wrap("invalid memory size");
		if (bytes < (64LL << 20) || bytes > (1LL << 40))
			return aq_error("invalid memory size '%s': use 64M "
					"to 1T", mem);
		a->vm.memory_mib = (int)(bytes >> 20);
	}
	if (disk) {
		if (aq_parse_size(disk, 1LL << 30, &bytes) < 0)
			return aq_error_wrap("invalid disk size");
		if (bytes < (64LL << 20) || bytes > (64LL << 40))
			return aq_error("invalid disk size '%s': use 64M "
					"to 64T", disk);
		a->vm.disk_bytes = bytes;
	}
	return 0;
}

/*
 * The image's forwards come after the user's, except those to a guest
 * port the user forwards himself.
 */
static int image_forwards(struct vm *vm, const struct image_def *def)
{
	size_t given = vm->nforwards;

	for (size_t i = 0; i < def->nforwards; i++) {
		const struct aq_forward *f = &def->forwards[i];
		size_t j = 0;

		while (j < given &&
		       (vm->forwards[j].guest_port != f->guest_port ||
			strcmp(vm->forwards[j].proto, f->proto)))
			j++;
		if (j < given)
			continue;
		if (vm->nforwards == AQ_MAX_FORWARDS)
			return aq_error("at most %d forwards with those of "
					"image '%s'", AQ_MAX_FORWARDS,
					def->name);
		vm->forwards[vm->nforwards++] = *f;
	}
	return 0;
}

/* Disk, seed and vm.ini, in the hidden directory tmp. */
static int assemble(struct vm *vm, const char *tmp, const char *pubkey,
		    const struct provision *prov)
{
	char seed[AQ_PATH_MAX];
	struct aq_vm abi;

	if (aq_path(vm->dir, sizeof(vm->dir), "%s", tmp) < 0)
		return -1;
	vm_to_abi(vm, &abi);
	if (aq_call_disk_create(&abi) < 0)
		return -1;
	if (vm_file(vm, AQ_VM_SEED, seed, sizeof(seed)) < 0 ||
	    provision_seed_for(vm, pubkey, prov, seed) < 0)
		return -1;
	return vm_save(vm);
}

static int create(struct new_args *a, const struct image_def *def,
		  const struct aq_image *img, const char *pubkey)
{
	char root[AQ_PATH_MAX], tmp[AQ_PATH_MAX], final[AQ_PATH_MAX];
	struct taken taken = { NULL, 0, NULL, 0 };
	int lock = -1, ret = -1;
	struct vm *vm = &a->vm;

	if (vm_root(root, sizeof(root)) < 0 ||
	    aq_path(tmp, sizeof(tmp), "%s/.new-%s-XXXXXX", root,
		    vm->name[0] ? vm->name : "vm") < 0)
		return -1;
	lock = aq_lock_home();
	if (lock < 0)
		return -1;
	if (taken_load(&taken) < 0)
		goto out;
	if (!vm->name[0] && pick_name(vm) < 0)
		goto out;
	if (aq_path(final, sizeof(final), "%s/%s", root, vm->name) < 0)
		goto out;
	if (aq_exists(final)) {
		aq_error("a VM named '%s' already exists", vm->name);
		goto out;
	}
	if (check_forwards(&taken, vm) < 0 || pick_ssh_port(&taken, vm) < 0 ||
	    choose_mac(&taken, a) < 0)
		goto out;
	snprintf(vm->image, sizeof(vm->image), "%s", img->path);
	snprintf(vm->image_version, sizeof(vm->image_version), "%s",
		 img->version);
	snprintf(vm->definition, sizeof(vm->definition), "%s", def->name);
	aq_time_iso(vm->created, sizeof(vm->created));
	if (!mkdtemp(tmp)) {
		aq_error_errno("cannot create '%s'", tmp);
		goto out;
	}
	if (assemble(vm, tmp, pubkey, &a->prov) < 0 ||
	    (a->from && snapshot_clone_mark(vm, &a->snap) < 0))
		goto cleanup;
	if (rename(tmp, final) < 0) {
		aq_error_errno("cannot rename '%s' to '%s'", tmp, final);
		goto cleanup;
	}
	ret = 0;
	goto out;
cleanup:
	{
		char saved[2048];

		snprintf(saved, sizeof(saved), "%s", aq_error_last());
		aq_rm_rf(tmp);
		aq_error("%s", saved);
	}
out:
	aq_unlock(lock);
	taken_release(&taken);
	return ret;
}

static int parse_args(int argc, char **argv, struct new_args *a)
{
	struct aq_opts o;
	int id, ret = -1;

	if (aq_opts_init(&o, argc, argv, new_opts, 0) < 0)
		return aq_error_report();
	while ((id = aq_opts_next(&o)) > 0) {
		switch (id) {
		case 'p':
			if (a->vm.nforwards == AQ_MAX_FORWARDS) {
				aq_usage_error("new: at most %d forwards",
					       AQ_MAX_FORWARDS);
				goto out;
			}
			if (aq_portspec_parse(o.arg, &a->vm.forwards[
					      a->vm.nforwards++]) < 0) {
				aq_error_report();
				ret = AQ_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_CPUS: a->cpus = o.arg; break;
		case OPT_MEMORY: a->memory = o.arg; break;
		case OPT_DISK: a->disk = o.arg; break;
		case OPT_MAC: a->mac = o.arg; break;
		case OPT_IMAGE: a->image = o.arg; break;
		case OPT_PROVISION: a->provision = o.arg; break;
		case OPT_FROM: a->from = o.arg; break;
		case OPT_COUNT:
			if (aq_parse_long(o.arg, 1, 1000, &a->count) < 0) {
				aq_usage_error("new: invalid count '%s': use 1 "
					       "to 1000", o.arg);
				goto out;
			}
			break;
		}
	}
	if (id < 0) {
		ret = AQ_EXIT_USAGE;
		goto out;
	}
	if (o.noperands > 1) {
		ret = cmd_usage("new", AQ_EXIT_USAGE);
		goto out;
	}
	if (a->count && a->mac) {
		aq_usage_error("new: --mac and --count cannot go together");
		goto out;
	}
	if (o.noperands == 1) {
		if (vm_name_valid(o.operands[0]) < 0) {
			aq_error_report();
			ret = AQ_EXIT_USAGE;
			goto out;
		}
		snprintf(a->vm.name, sizeof(a->vm.name), "%s", o.operands[0]);
	}
	ret = 0;
out:
	aq_opts_release(&o);
	return ret;
}

/* What a clone starts from: its snapshot in place of an image. */
static int from_snapshot(struct new_args *a, struct image_def *def,
			 struct aq_image *img)
{
	memset(def, 0, sizeof(*def));
	memset(img, 0, sizeof(*img));
	if (snapshot_clone_init(a->from, &a->vm, &a->snap) < 0)
		return -1;
	snprintf(def->name, sizeof(def->name), "%s", a->vm.definition);
	def->cpus = a->vm.cpus;
	def->memory_mib = a->vm.memory_mib;
	def->disk_bytes = a->vm.disk_bytes;
	snprintf(img->path, sizeof(img->path), "%s", a->vm.image);
	snprintf(img->version, sizeof(img->version), "%s",
		 a->vm.image_version);
	return 0;
}

static int prepare(struct new_args *a, struct image_def *def,
		   struct aq_image *img)
{
	if (aq_plugins_load_all() < 0)
		return -1;
	if (a->from)
		return from_snapshot(a, def, img) < 0 ||
		       resources(a, def) < 0 ||
		       snapshot_clone_check(&a->snap, &a->vm) < 0 ? -1 : 0;
	return image_def_load(a->image, a->vm.arch, def) < 0 ||
	       resources(a, def) < 0 || image_forwards(&a->vm, def) < 0 ||
	       provision_prepare(def, a->provision, &a->prov) < 0 ||
	       image_fetch(def, a->vm.arch, 0, img) < 0 ? -1 : 0;
}

/* The name of VM i (from 1) of --count; "" asks for a random one. */
static int count_name(const char *prefix, long i, char *out, size_t len)
{
	char name[128];

	if (!prefix[0]) {
		out[0] = '\0';
		return 0;
	}
	snprintf(name, sizeof(name), "%s-%ld", prefix, i);
	if (vm_name_valid(name) < 0)
		return -1;
	snprintf(out, len, "%s", name);
	return 0;
}

/* Remove VMs this command made before one of them failed. */
static void undo_created(char (*names)[AQ_NAME_MAX + 1], long n)
{
	char root[AQ_PATH_MAX], dir[AQ_PATH_MAX], saved[2048];

	snprintf(saved, sizeof(saved), "%s", aq_error_last());
	for (long i = 0; i < n; i++)
		if (vm_root(root, sizeof(root)) == 0 &&
		    aq_path(dir, sizeof(dir), "%s/%s", root, names[i]) == 0)
			aq_rm_rf(dir);
	aq_error("%s", saved);
}

/* Make a->count VMs (or one), all of them or none. */
static int create_all(struct new_args *a, const struct image_def *def,
		      const struct aq_image *img, const char *pubkey,
		      char (*names)[AQ_NAME_MAX + 1], long *made)
{
	struct vm *tmpl = malloc(sizeof(*tmpl));
	char prefix[AQ_NAME_MAX + 1];
	long n = a->count ? a->count : 1;
	int ret = 0;

	if (!tmpl)
		return aq_error("out of memory");
	*tmpl = a->vm;
	snprintf(prefix, sizeof(prefix), "%s", a->vm.name[0] ? a->vm.name :
		 a->from ? a->from : "");
	*made = 0;
	for (long i = 1; i <= n && ret == 0; i++) {
		a->vm = *tmpl;
		if (a->count && count_name(prefix, i, a->vm.name,
					   sizeof(a->vm.name)) < 0)
			ret = -1;
		else if (create(a, def, img, pubkey) < 0)
			ret = -1;
		else
			snprintf(names[(*made)++], AQ_NAME_MAX + 1, "%s",
				 a->vm.name);
	}
	if (ret < 0 && a->count)
		aq_error_wrap("cannot create '%s'", a->vm.name[0] ?
			      a->vm.name : "a VM");
	if (ret < 0 && *made) {
		undo_created(names, *made);
		*made = 0;
	}
	free(tmpl);
	return ret;
}

static int new_run(struct new_args *a, char (*names)[AQ_NAME_MAX + 1],
		   long *made)
{
	struct image_def def;
	struct aq_image img;
	char pubkey[1024];

	snprintf(a->vm.arch, sizeof(a->vm.arch), "%s", platform_host_arch());
	if (prepare(a, &def, &img) < 0 ||
	    aq_call_exec_key(pubkey, sizeof(pubkey)) < 0)
		goto fail;
	if (create_all(a, &def, &img, pubkey, names, made) == 0)
		return 0;
	if (a->count)
		return -1;
fail:
	if (a->count)
		aq_error_wrap("cannot create %ld VMs", a->count);
	else if (a->vm.name[0])
		aq_error_wrap("cannot create '%s'", a->vm.name);
	else
		aq_error_wrap("cannot create a VM");
	return -1;
}

int aq_new_clones(const char *tag, const char *prefix, long count,
		  char (*names)[AQ_NAME_MAX + 1])
{
	struct new_args *a = calloc(1, sizeof(*a));
	long made = 0;
	int ret;

	if (!a)
		return aq_error("out of memory");
	a->image = "alpine";
	a->prov = (struct provision)PROVISION_INIT;
	a->from = tag;
	a->count = count;
	snprintf(a->vm.name, sizeof(a->vm.name), "%s", prefix);
	ret = new_run(a, names, &made);
	provision_release(&a->prov);
	free(a);
	return ret;
}

int cmd_new(int argc, char **argv)
{
	struct new_args *a = calloc(1, sizeof(*a));
	char (*names)[AQ_NAME_MAX + 1] = NULL;
	long made = 0;
	int ret;

	if (!a)
		return aq_error("out of memory"), aq_error_report();
	a->image = "alpine";
	a->prov = (struct provision)PROVISION_INIT;
	ret = parse_args(argc, argv, a);
	if (ret)
		goto out;
	ret = AQ_EXIT_FAIL;
	names = calloc(a->count ? (size_t)a->count : 1, sizeof(*names));
	if (!names) {
		aq_error("out of memory");
		aq_error_report();
		goto out;
	}
	if (new_run(a, names, &made) < 0) {
		aq_error_report();
		goto out;
	}
	for (long i = 0; i < made; i++)
		printf("Created %s\n", names[i]);
	ret = AQ_EXIT_OK;
out:
	provision_release(&a->prov);
	free(names);
	free(a);
	return ret;
}
