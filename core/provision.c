/*
 * The meta-data and user-data of a VM's NoCloud seed.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "loader.h"
#include "provision.h"
#include "banned.h"

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

int provision_user_data(const struct vm *vm, const char *pubkey,
			struct aq_buf *out)
{
	if (key_valid(pubkey) < 0)
		return -1;
	if (aq_buf_adds(out, user_data_head) < 0 ||
	    aq_buf_addf(out, "aq_name='%s'\naq_key='%s'\naq_tty='%s'\n\n",
			vm->name, pubkey, console_tty(vm)) < 0 ||
	    aq_buf_adds(out, user_data_root) < 0 ||
	    aq_buf_adds(out, user_data_boot) < 0 ||
	    aq_buf_adds(out, user_data_console) < 0 ||
	    aq_buf_adds(out, "exit 0\n") < 0)
		return -1;
	return 0;
}

int provision_seed(const struct vm *vm, const char *pubkey, const char *path)
{
	struct aq_buf meta = AQ_BUF_INIT, user = AQ_BUF_INIT;
	struct aq_seed_file files[2];
	int ret = -1;

	if (provision_meta_data(vm, pubkey, &meta) < 0 ||
	    provision_user_data(vm, pubkey, &user) < 0)
		goto out;
	files[0] = (struct aq_seed_file){ "meta-data", meta.s, meta.len };
	files[1] = (struct aq_seed_file){ "user-data", user.s, user.len };
	ret = aq_call_disk_seed(path, AQ_SEED_LABEL, files, 2);
out:
	aq_buf_release(&meta);
	aq_buf_release(&user);
	return ret;
}
