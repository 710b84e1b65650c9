/*
 * The meta-data and user-data of a VM's NoCloud seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "loader.h"
#include "overlay.h"
#include "provision.h"
#include "util.h"
#include "banned.h"

/* Names of the provisioning files on the seed. */
#define SEED_PACKAGES "aq-packages"
#define SEED_OVERLAY "aq-overlay.tar.gz"
#define SEED_SCRIPT "aq-provision.sh"
#define SEED_EXTRA "aq-provision-extra.sh"

/* Lines of the guest's provisioning log shown for a failure. */
#define PROVISION_TAIL_LINES 3

/* A key goes into YAML and into a single-quoted shell string. */
static int key_valid(const char *key)
{
	if (!*key || strpbrk(key, "'\n\r\\\"#"))
		return aq_error("unusable SSH public key '%.40s'", key);
	return 0;
}

int provision_meta_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out)
{
	if (key_valid(pubkey) < 0)
		return -1;
	return aq_buf_addf(out,
		"instance-id: aq-%s-%s\n"
		"hostname: %s\n"
		"local-hostname: %s\n"
		"public-keys:\n"
		"  - openssh-key: %s\n",
		vm->name, vm->mac, vm->name, vm->name, pubkey);
}

/* The serial port the guest's console is on. */
static const char *console_tty(const struct vm *vm)
{
	return strcmp(vm->arch, "aarch64") ? "ttyS0" : "ttyAMA0";
}

static const char user_data_head[] =
	"#!/bin/sh\n"
	"# aq first-boot provisioning, run once by tiny-cloud as root.\n"
	"# Every step may fail on its own; the script always exits 0.\n"
	"\n";

static const char user_data_root[] =
	"# Root logs in with aq's key.  sshd refuses any key of an account\n"
	"# whose shadow field starts with '!' (locked), so '!*' becomes '*':\n"
	"# no password, but not locked.\n"
	"mkdir -p /root/.ssh\n"
	"chmod 700 /root/.ssh\n"
	"grep -qxF \"$aq_key\" /root/.ssh/authorized_keys 2>/dev/null ||\n"
	"\tprintf '%s\\n' \"$aq_key\" >>/root/.ssh/authorized_keys\n"
	"chmod 600 /root/.ssh/authorized_keys\n"
	"sed -i 's/^root:[^:]*:/root:*:/' /etc/shadow\n"
	"\n"
	"printf '%s\\n' \"$aq_name\" >/etc/hostname\n"
	"hostname \"$aq_name\"\n"
	"grep -q \"[[:space:]]${aq_name}\\$\" /etc/hosts 2>/dev/null ||\n"
	"\tprintf '127.0.1.1\\t%s\\n' \"$aq_name\" >>/etc/hosts\n"
	"\n";

static const char user_data_boot[] =
	"# Boot without waiting at the bootloader menu from now on.\n"
	"if [ -f /boot/extlinux.conf ]; then\n"
	"\tsed -i 's/^TIMEOUT .*/TIMEOUT 1/' /boot/extlinux.conf\n"
	"fi\n"
	"if [ -f /etc/default/grub ]; then\n"
	"\tsed -i 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/' /etc/default/grub\n"
	"fi\n"
	"if [ -f /boot/grub/grub.cfg ]; then\n"
	"\tsed -i 's/set timeout=[0-9]*/set timeout=0/' /boot/grub/grub.cfg\n"
	"fi\n"
	"\n";

/*
 * busybox init rereads inittab on SIGHUP and starts the new getty line,
 * but a getty already running from the old line keeps its terminal: it
 * is told to go once the new one is in place.
 */
static const char user_data_console[] =
	"# The serial console logs root in without a password (the socket\n"
	"# on the host is private to its user).\n"
	"mkdir -p /usr/local/sbin\n"
	"cat >/usr/local/sbin/aq-autologin <<'EOF'\n"
	"#!/bin/sh\n"
	"exec /bin/login -f root\n"
	"EOF\n"
	"chmod 755 /usr/local/sbin/aq-autologin\n"
	"line=\"$aq_tty::respawn:/sbin/getty -n -l /usr/local/sbin/aq-autologin"
	" 115200 $aq_tty vt100\"\n"
	"old=\n"
	"for pid in $(pidof getty); do\n"
	"\ttr '\\000' ' ' </proc/\"$pid\"/cmdline 2>/dev/null |\n"
	"\t\tgrep -q \"[[:space:]]${aq_tty}[[:space:]]\" && old=\"$old $pid\"\n"
	"done\n"
	"if grep -q \"^$aq_tty::\" /etc/inittab; then\n"
	"\tsed -i \"s|^$aq_tty::.*|$line|\" /etc/inittab\n"
	"else\n"
	"\tprintf '%s\\n' \"$line\" >>/etc/inittab\n"
	"fi\n"
	"kill -HUP 1\n"
	"sleep 1\n"
	"# shellcheck disable=SC2086 # one word per pid\n"
	"[ -n \"$old\" ] && kill $old 2>/dev/null\n"
	"\n";

static const char user_data_provision_head[] =
	"# Provisioning of the image, once per disk, from files on the seed:\n"
	"# Alpine packages, the overlay, then the scripts, up to the first\n"
	"# failure.  The output goes to $aq_log, the result (\"STATUS STEP\")\n"
	"# to $aq_status, which aq start reads on the first boot.\n"
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PATH\n"
	"aq_status=" PROVISION_GUEST_STATUS "\n"
	"aq_log=" PROVISION_GUEST_LOG "\n"
	"aq_rc=0\n"
	"aq_step=none\n"
	"\n";

static const char user_data_provision_funcs[] =
	"aq_seed=/run/aq-seed\n"
	"\n"
	"aq_failed() {\n"
	"\taq_rc=$1\n"
	"\taq_step=$2\n"
	"\techo \"aq-provision: $2 failed with exit status $1\"\n"
	"}\n"
	"\n"
	"# tiny-cloud finds the seed by label; so does this.\n"
	"aq_mount_seed() {\n"
	"\taq_dev=\n"
	"\tfor aq_label in cidata CIDATA; do\n"
	"\t\taq_dev=$(findfs \"LABEL=$aq_label\" 2>/dev/null) ||\n"
	"\t\t\taq_dev=$(blkid -l -o device -t \"LABEL=$aq_label\" "
	"2>/dev/null) ||\n"
	"\t\t\taq_dev=\n"
	"\t\t[ -n \"$aq_dev\" ] && break\n"
	"\tdone\n"
	"\tif [ -z \"$aq_dev\" ]; then\n"
	"\t\techo \"aq-provision: no seed labelled cidata or CIDATA\"\n"
	"\t\treturn 1\n"
	"\tfi\n"
	"\tmkdir -p \"$aq_seed\" || return 1\n"
	"\tmount -o ro -t iso9660 \"$aq_dev\" \"$aq_seed\" 2>/dev/null ||\n"
	"\t\tmount -o ro \"$aq_dev\" \"$aq_seed\"\n"
	"}\n"
	"\n"
	"# A script with a #! line runs with its interpreter, others with sh.\n"
	"aq_run_script() {\n"
	"\taq_file=/var/lib/aq/$1\n"
	"\tif ! cp \"$aq_seed/$1\" \"$aq_file\" || ! chmod 700 \"$aq_file\"; "
	"then\n"
	"\t\treturn 126\n"
	"\tfi\n"
	"\techo \"aq-provision: running $1\"\n"
	"\tcase $(head -n 1 \"$aq_file\") in\n"
	"\t'#!'*) (cd / && \"$aq_file\") ;;\n"
	"\t*) (cd / && sh \"$aq_file\") ;;\n"
	"\tesac\n"
	"}\n"
	"\n"
	"aq_provision() {\n"
	"\tif ! aq_mount_seed; then\n"
	"\t\taq_failed 125 seed\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [ -s \"$aq_seed/" SEED_PACKAGES "\" ]; then\n"
	"\t\taq_packages=$(cat \"$aq_seed/" SEED_PACKAGES "\")\n"
	"\t\tif command -v apk >/dev/null 2>&1; then\n"
	"\t\t\techo \"aq-provision: apk add $aq_packages\"\n"
	"\t\t\t# shellcheck disable=SC2086 # one word per package\n"
	"\t\t\tapk add $aq_packages || { aq_failed $? packages; return; }\n"
	"\t\telse\n"
	"\t\t\techo \"aq-provision: no apk in this guest: not installing"
	" $aq_packages\"\n"
	"\t\tfi\n"
	"\tfi\n"
	"\tif [ -f \"$aq_seed/" SEED_OVERLAY "\" ]; then\n"
	"\t\techo \"aq-provision: unpacking the overlay onto /\"\n"
	"\t\ttar -xzf \"$aq_seed/" SEED_OVERLAY "\" -C / ||\n"
	"\t\t\t{ aq_failed $? overlay; return; }\n"
	"\tfi\n"
	"\tfor aq_script in " SEED_SCRIPT " " SEED_EXTRA "; do\n"
	"\t\t[ -f \"$aq_seed/$aq_script\" ] || continue\n"
	"\t\taq_run_script \"$aq_script\" ||\n"
	"\t\t\t{ aq_failed $? \"$aq_script\"; return; }\n"
	"\tdone\n"
	"}\n"
	"\n";

static const char user_data_provision_run[] =
	"\taq_provision >\"$aq_log\" 2>&1 </dev/null\n"
	"\tumount \"$aq_seed\" 2>/dev/null\n";

static const char user_data_provision_none[] =
	"\techo \"aq-provision: nothing to provision\" >\"$aq_log\"\n";

static int provision_has_files(const struct provision *p)
{
	return p && (p->packages[0] || p->overlay.len || p->script.len ||
		     p->extra.len);
}

static int user_data_provision(const struct provision *p, struct aq_buf *out)
{
	int files = provision_has_files(p);

	return aq_buf_adds(out, user_data_provision_head) < 0 ||
	       (files && aq_buf_adds(out, user_data_provision_funcs) < 0) ||
	       aq_buf_adds(out, "if [ ! -e \"$aq_status\" ]; then\n"
			   "\tmkdir -p /var/lib/aq\n") < 0 ||
	       aq_buf_adds(out, files ? user_data_provision_run :
			   user_data_provision_none) < 0 ||
	       aq_buf_adds(out, "\tprintf '%s %s\\n' \"$aq_rc\" \"$aq_step\" "
			   ">\"$aq_status.new\" &&\n"
			   "\t\tmv \"$aq_status.new\" \"$aq_status\"\n"
			   "\tsync\n"
			   "fi\n\n") < 0 ? -1 : 0;
}

int provision_user_data_for(const struct vm *vm, const char *pubkey,
			    const struct provision *p, struct aq_buf *out)
{
	if (key_valid(pubkey) < 0)
		return -1;
	if (aq_buf_adds(out, user_data_head) < 0 ||
	    aq_buf_addf(out, "aq_name='%s'\naq_key='%s'\naq_tty='%s'\n\n",
			vm->name, pubkey, console_tty(vm)) < 0 ||
	    aq_buf_adds(out, user_data_root) < 0 ||
	    aq_buf_adds(out, user_data_boot) < 0 ||
	    aq_buf_adds(out, user_data_console) < 0 ||
	    user_data_provision(p, out) < 0 ||
	    aq_buf_adds(out, "exit 0\n") < 0)
		return -1;
	return 0;
}

int provision_user_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out)
{
	return provision_user_data_for(vm, pubkey, NULL, out);
}

static int read_script(const char *path, struct aq_buf *out)
{
	if (aq_read_file(path, out) < 0)
		return aq_error_wrap("cannot use script");
	return 0;
}

int provision_prepare(const struct image_def *def, const char *extra,
		      struct provision *out)
{
	if (def) {
		snprintf(out->packages, sizeof(out->packages), "%s",
			 def->packages);
		if (overlay_build(def->overlays, def->noverlays,
				  &out->overlay) < 0 ||
		    (def->script[0] && read_script(def->script,
						   &out->script) < 0))
			return -1;
	}
	if (extra && read_script(extra, &out->extra) < 0)
		return -1;
	return 0;
}

void provision_release(struct provision *p)
{
	aq_buf_release(&p->overlay);
	aq_buf_release(&p->script);
	aq_buf_release(&p->extra);
}

int provision_seed_for(const struct vm *vm, const char *pubkey,
		       const struct provision *p, const char *path)
{
	struct aq_buf meta = AQ_BUF_INIT, user = AQ_BUF_INIT;
	struct aq_buf pkgs = AQ_BUF_INIT;
	struct aq_seed_file files[6];
	char pending[AQ_PATH_MAX];
	size_t n = 0;
	int ret = -1;

	if (provision_meta_data(vm, pubkey, &meta) < 0 ||
	    provision_user_data_for(vm, pubkey, p, &user) < 0)
		goto out;
	files[n++] = (struct aq_seed_file){ "meta-data", meta.s, meta.len };
	files[n++] = (struct aq_seed_file){ "user-data", user.s, user.len };
	if (p && p->packages[0]) {
		if (aq_buf_addf(&pkgs, "%s\n", p->packages) < 0)
			goto out;
		files[n++] = (struct aq_seed_file){ SEED_PACKAGES, pkgs.s,
						    pkgs.len };
	}
	if (p && p->overlay.len)
		files[n++] = (struct aq_seed_file){ SEED_OVERLAY, p->overlay.s,
						    p->overlay.len };
	if (p && p->script.len)
		files[n++] = (struct aq_seed_file){ SEED_SCRIPT, p->script.s,
						    p->script.len };
	if (p && p->extra.len)
		files[n++] = (struct aq_seed_file){ SEED_EXTRA, p->extra.s,
						    p->extra.len };
	if (aq_call_disk_seed(path, AQ_SEED_LABEL, files, n) < 0 ||
	    vm_file(vm, PROVISION_PENDING, pending, sizeof(pending)) < 0 ||
	    aq_write_file_atomic(pending, "", 0, 0600) < 0)
		goto out;
	ret = 0;
out:
	aq_buf_release(&meta);
	aq_buf_release(&user);
	aq_buf_release(&pkgs);
	return ret;
}

int provision_seed(const struct vm *vm, const char *pubkey, const char *path)
{
	return provision_seed_for(vm, pubkey, NULL, path);
}

/*
 * Run a shell line in the guest and collect its stdout; its stderr is
 * dropped (the line says 2>/dev/null where it matters, and ssh's own
 * complaints become the recorded error).
 */
static int guest_read(const struct vm *vm, const char *line,
		      struct aq_buf *out, int *status)
{
	const char *argv[] = { "sh", "-c", line, NULL };
	struct aq_vm abi;
	char chunk[4096];
	FILE *tmp = tmpfile();
	int saved = -1, r = -1;
	size_t n;

	if (!tmp)
		return aq_error_errno("cannot make a temporary file");
	vm_to_abi(vm, &abi);
	fflush(stdout);
	saved = dup(1);
	if (saved < 0 || dup2(fileno(tmp), 1) < 0) {
		aq_error_errno("cannot redirect standard output");
		goto out;
	}
	r = aq_call_exec_run(&abi, 3, argv, AQ_EXEC_NO_STDIN, status);
	fflush(stdout);
	dup2(saved, 1);
	rewind(tmp);
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), tmp)) > 0)
		if (aq_buf_add(out, chunk, n) < 0)
			r = -1;
out:
	if (saved >= 0)
		close(saved);
	fclose(tmp);
	return r;
}

static const char *step_text(const char *step)
{
	if (!strcmp(step, "seed"))
		return "the seed could not be mounted";
	if (!strcmp(step, "packages"))
		return "apk add";
	if (!strcmp(step, "overlay"))
		return "unpacking the overlay";
	if (!strcmp(step, SEED_SCRIPT))
		return "the image's script";
	if (!strcmp(step, SEED_EXTRA))
		return "the --provision script";
	return step;
}

/* The last lines of the guest's log that are not aq's own, joined. */
static void log_tail(const struct vm *vm, char *out, size_t len)
{
	struct aq_buf log = AQ_BUF_INIT;
	const char *lines[PROVISION_TAIL_LINES];
	size_t n = 0;
	char *p, *end;
	int status = 0;

	snprintf(out, len, "no output");
	if (guest_read(vm, "tail -n 40 " PROVISION_GUEST_LOG " 2>/dev/null",
		       &log, &status) < 0) {
		aq_error_clear();
		goto out;
	}
	for (p = log.s; *p; p = end) {
		end = p + strcspn(p, "\n");
		if (*end)
			*end++ = '\0';
		aq_rtrim(p);
		if (!*p || !strncmp(p, "aq-provision: ", 14))
			continue;
		if (n == PROVISION_TAIL_LINES) {
			memmove(lines, lines + 1,
				sizeof(lines) - sizeof(*lines));
			n--;
		}
		lines[n++] = p;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(out + (i ? strlen(out) : 0),
			 len - (i ? strlen(out) : 0), "%s%s", i ? " | " : "",
			 lines[i]);
out:
	aq_buf_release(&log);
}

/* "STATUS STEP" from the guest's status file. */
static int parse_status(const char *text, long *rc, char *step, size_t len)
{
	char num[16];
	size_t n = strcspn(text, " ");

	if (n == 0 || n >= sizeof(num) || text[n] != ' ')
		return -1;
	memcpy(num, text, n);
	num[n] = '\0';
	if (aq_parse_long(num, 0, 255, rc) < 0)
		return -1;
	snprintf(step, len, "%s", text + n + 1);
	aq_rtrim(step);
	return 0;
}

static int record_result(const struct vm *vm, const char *text)
{
	char path[AQ_PATH_MAX];

	if (vm_file(vm, "provision.status", path, sizeof(path)) < 0 ||
	    aq_write_file_atomic(path, text, strlen(text), 0600) < 0 ||
	    vm_file(vm, PROVISION_PENDING, path, sizeof(path)) < 0)
		return -1;
	if (unlink(path) < 0)
		return aq_error_errno("cannot remove '%s'", path);
	return 0;
}

int provision_wait(const struct vm *vm, long timeout)
{
	struct aq_buf text = AQ_BUF_INIT;
	long long deadline = aq_now_ms() + timeout * 1000;
	char pending[AQ_PATH_MAX], step[64], tail[512];
	int status, ret = -1;
	long rc;

	if (vm_file(vm, PROVISION_PENDING, pending, sizeof(pending)) < 0)
		return -1;
	if (!aq_exists(pending))
		return 0;
	aq_log(AQ_LOG_INFO, "waiting for the first-boot provisioning of %s",
	       vm->name);
	for (;;) {
		status = 0;
		aq_buf_reset(&text);
		if (guest_read(vm, "cat " PROVISION_GUEST_STATUS " 2>/dev/null",
			       &text, &status) < 0)
			goto out;
		if (status == 0 && text.len)
			break;
		if (aq_now_ms() >= deadline) {
			aq_error("provisioning of '%s' did not finish within "
				 "%lds; see %s in the VM", vm->name, timeout,
				 PROVISION_GUEST_LOG);
			goto out;
		}
		aq_sleep_ms(500);
	}
	if (parse_status(text.s, &rc, step, sizeof(step)) < 0) {
		aq_error("cannot read the provisioning status of '%s': '%.40s'",
			 vm->name, text.s);
		goto out;
	}
	if (record_result(vm, text.s) < 0)
		goto out;
	ret = 0;
	if (rc == 0)
		goto out;
	log_tail(vm, tail, sizeof(tail));
	if (!strcmp(step, "seed"))
		aq_error("'%s' started, but provisioning failed (%s): %s "
			 "(log: %s)", vm->name, step_text(step), tail,
			 PROVISION_GUEST_LOG);
	else
		aq_error("'%s' started, but provisioning failed (%s exited "
			 "%ld): %s (log: %s)", vm->name, step_text(step), rc,
			 tail, PROVISION_GUEST_LOG);
	ret = PROVISION_FAILED;
out:
	aq_buf_release(&text);
	return ret;
}
