/*
 * Building the QEMU command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "platform.h"
#include "qemu.h"
#include "spawn.h"
#include "util.h"
#include "banned.h"

/* sun_path is 104 bytes on macOS, 108 on Linux: stay within both. */
#define QEMU_SOCKET_MAX 103

int qemu_choose_accel(struct vm *vm)
{
	const char *a = getenv("AQ_ACCEL");

	if (!a || !*a)
		a = aq_config_get("aq", "accel");
	if (!a || !*a)
		a = platform_accel_detect(vm->arch);
	if (strcmp(a, "kvm") && strcmp(a, "hvf") && strcmp(a, "tcg"))
		return aq_error("unknown accelerator '%s' (AQ_ACCEL or [aq] "
				"accel): use kvm, hvf or tcg", a);
	snprintf(vm->accel, sizeof(vm->accel), "%s", a);
	return 0;
}

int qemu_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		if (o + 3 > len)
			return aq_error("path too long: '%.60s...'", in);
		if (*in == ',')
			out[o++] = ',';
		out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

static int socket_arg(const struct vm *vm, const char *file, char *out,
		      size_t len)
{
	char path[AQ_PATH_MAX];

	if (vm_file(vm, file, path, sizeof(path)) < 0)
		return -1;
	if (strlen(path) > QEMU_SOCKET_MAX)
		return aq_error("socket path '%s' is longer than %d bytes: "
				"use a shorter AQ_HOME", path, QEMU_SOCKET_MAX);
	return qemu_escape(path, out, len);
}

/* UEFI firmware for aarch64 guests, looked for next to QEMU first. */
static int aarch64_firmware(const char *qemu, char *out, size_t len)
{
	static const char *const known[] = {
		"/usr/share/qemu/edk2-aarch64-code.fd",
		"/usr/share/AAVMF/AAVMF_CODE.fd",
		"/usr/share/qemu-efi-aarch64/QEMU_EFI.fd",
		"/opt/homebrew/share/qemu/edk2-aarch64-code.fd",
		"/usr/local/share/qemu/edk2-aarch64-code.fd",
	};
	char dir[AQ_PATH_MAX], *slash;

	if (aq_path(dir, sizeof(dir), "%s", qemu) == 0 &&
	    (slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (aq_path(out, len, "%s/../share/qemu/edk2-aarch64-code.fd",
			    dir) == 0 && access(out, R_OK) == 0)
			return 0;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (access(known[i], R_OK) == 0)
			return aq_path(out, len, "%s", known[i]);
	return aq_error("no UEFI firmware for aarch64 found (looked for "
			"edk2-aarch64-code.fd next to %s and in /usr/share)",
			qemu);
}

static int machine_args(const struct vm *vm, const char *qemu,
			struct aq_argv *a)
{
	int native = strcmp(vm->accel, "tcg") != 0;
	char fw[AQ_PATH_MAX], esc[AQ_PATH_MAX * 2];

	if (!strcmp(vm->arch, "aarch64")) {
		if (aarch64_firmware(qemu, fw, sizeof(fw)) < 0 ||
		    qemu_escape(fw, esc, sizeof(esc)) < 0)
			return -1;
		return aq_argv_add(a, "-machine") ||
		       aq_argv_add(a, "virt") ||
		       aq_argv_add(a, "-cpu") ||
		       aq_argv_add(a, native ? "host" : "max") ||
		       aq_argv_add(a, "-drive") ||
		       aq_argv_addf(a, "if=pflash,format=raw,readonly=on,"
				    "file=%s", esc) ? -1 : 0;
	}
	return aq_argv_add(a, "-machine") || aq_argv_add(a, "q35") ||
	       aq_argv_add(a, "-cpu") ||
	       aq_argv_add(a, native ? "host" : "max") ? -1 : 0;
}

static int control_args(const struct vm *vm, struct aq_argv *a)
{
	char qmp[AQ_PATH_MAX], mon[AQ_PATH_MAX], raw[AQ_PATH_MAX];

	if (socket_arg(vm, AQ_VM_QMP, qmp, sizeof(qmp)) < 0 ||
	    socket_arg(vm, AQ_VM_MONITOR, mon, sizeof(mon)) < 0 ||
	    vm_file(vm, AQ_VM_PIDFILE, raw, sizeof(raw)) < 0)
		return -1;
	return aq_argv_add(a, "-daemonize") ||
	       aq_argv_add(a, "-pidfile") || aq_argv_add(a, raw) ||
	       aq_argv_add(a, "-qmp") ||
	       aq_argv_addf(a, "unix:%s,server=on,wait=off", qmp) ||
	       aq_argv_add(a, "-monitor") ||
	       aq_argv_addf(a, "unix:%s,server=on,wait=off", mon) ? -1 : 0;
}

int qemu_argv(const struct vm *vm, struct aq_argv *a)
{
	char qemu_name[64], qemu[AQ_PATH_MAX];
	struct aq_vm abi;

	snprintf(qemu_name, sizeof(qemu_name), "qemu-system-%s", vm->arch);
	if (aq_which(qemu_name, qemu, sizeof(qemu)) < 0)
		return aq_error("'%s' not found in PATH: install QEMU",
				qemu_name);
	vm_to_abi(vm, &abi);
	if (aq_argv_add(a, qemu) || aq_argv_add(a, "-name") ||
	    aq_argv_add(a, vm->name) || aq_argv_add(a, "-accel") ||
	    aq_argv_add(a, vm->accel) || machine_args(vm, qemu, a) ||
	    aq_argv_add(a, "-smp") || aq_argv_addf(a, "%d", vm->cpus) ||
	    aq_argv_add(a, "-m") || aq_argv_addf(a, "%d", vm->memory_mib) ||
	    aq_argv_add(a, "-nodefaults") || aq_argv_add(a, "-no-user-config") ||
	    aq_argv_add(a, "-display") || aq_argv_add(a, "none") ||
	    control_args(vm, a) ||
	    /* Without an entropy source sshd can wait for the RNG. */
	    aq_argv_add(a, "-device") || aq_argv_add(a, "virtio-rng-pci"))
		return -1;
	if (aq_call_disk_qemu_args(&abi, a) < 0 ||
	    aq_call_net_qemu_args(&abi, a) < 0 ||
	    aq_call_console_qemu_args(&abi, a) < 0)
		return -1;
	return 0;
}

int qemu_launch(const struct vm *vm)
{
	return qemu_launch_extra(vm, NULL);
}

int qemu_launch_extra(const struct vm *vm, const char *const extra[])
{
	struct aq_argv argv = AQ_ARGV_INIT;
	struct aq_buf err = AQ_BUF_INIT;
	char logfile[AQ_PATH_MAX];
	int status, ret = -1;

	if (qemu_argv(vm, &argv) < 0)
		goto out;
	for (size_t i = 0; extra && extra[i]; i++)
		if (aq_argv_add(&argv, extra[i]) < 0)
			goto out;
	if (aq_verbosity <= AQ_LOG_DEBUG) {
		fputs("aq: running", stderr);
		for (size_t i = 0; i < argv.n; i++)
			fprintf(stderr, " %s", argv.v[i]);
		fputc('\n', stderr);
	}
	status = aq_run_capture((const char *const *)argv.v, NULL, &err);
	if (vm_file(vm, AQ_VM_QEMU_LOG, logfile, sizeof(logfile)) == 0)
		aq_write_file_atomic(logfile, err.s, err.len, 0600);
	if (status < 0)
		goto out;
	aq_rtrim(err.s);
	if (status != 0) {
		aq_error("qemu failed (exit %d): %s", status,
			 err.len ? err.s : "no message");
		goto out;
	}
	if (err.s[0])
		aq_log(AQ_LOG_DEBUG, "qemu said: %s", err.s);
	ret = 0;
out:
	aq_argv_release(&argv);
	aq_buf_release(&err);
	return ret;
}
