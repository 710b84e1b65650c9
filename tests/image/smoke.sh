#!/bin/bash
# Boot the test image with bare QEMU (TCG) and check that it keeps the
# guest contract of DESIGN.md section 2, without aq:
#
#   tests/image/smoke.sh [IMAGE]
#
# IMAGE defaults to the one `make test-mirror` publishes.  Two disks, four
# boots, one guest at a time:
#   A1  key for alpine from meta-data, hostname from "hostname", root
#       refused while locked and accepted once user-data unlocks it,
#       user-data after sshd, the marker, root grown, a getty line
#       rewritten plus SIGHUP giving a root autologin, QMP power-off
#   A2  a new seed changes nothing and user-data does not run again
#   B1  a user-data that fails leaves no marker; the seed is vfat
#       labelled CIDATA (if mtools is there); reboot from inside
#   B2  ... so it runs again, succeeds, and the marker appears
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
image=${1:-$repo/build/test-mirror/v3.22/releases/cloud/nocloud_alpine-3.22.1-x86_64-bios-tiny-r0.qcow2}
[ -f "$image" ] || {
	echo "smoke: no image $image (run make test-mirror)" >&2
	exit 1
}
image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")

work=$(mktemp -d "${TMPDIR:-/tmp}/aq-smoke.XXXXXX")
qpid=
failures=0
summary=()

cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	if [ "$failures" -eq 0 ]; then
		rm -rf "$work"
	else
		echo "smoke: logs kept in $work" >&2
	fi
}
trap cleanup EXIT

now() {
	date +%s.%N
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

pass() {
	echo "ok    $*"
}

fail() {
	echo "FAIL  $*"
	failures=$((failures + 1))
}

check() {
	local what=$1

	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
	fi
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -C smoke-alpine -f "$work/key"
ssh-keygen -q -t ed25519 -N '' -C smoke-root -f "$work/rootkey"
ssh-keygen -q -t ed25519 -N '' -C smoke-other -f "$work/otherkey"

sshto() {
	local user=$1 key=$2

	shift 2
	ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=5 -i "$key" -p "$port" "$user@127.0.0.1" "$@"
}

as_alpine() {
	sshto alpine "$work/key" "$@"
}

as_root() {
	sshto root "$work/rootkey" "$@"
}

# SEED NAME HOSTNAME ALPINE-PUBKEY USER-DATA-FILE
make_seed() {
	local dir=$work/seed-$1

	mkdir -p "$dir"
	cat >"$dir/meta-data" <<-EOF
	instance-id: iid-$1
	hostname: $2
	local-hostname: $2-local
	public-keys:
	  - openssh-key: $(cat "$3")
	EOF
	cp "$4" "$dir/user-data"
	genisoimage -quiet -V cidata -r -J -o "$work/$1.iso" \
		"$dir/meta-data" "$dir/user-data"
}

# SEED: the same files on a FAT filesystem labelled CIDATA, the other
# form tiny-cloud accepts (mtools writes it without mounting anything).
make_vfat_seed() {
	local dir=$work/seed-$1

	mformat -C -i "$work/$1.vfat" -f 1440 -v CIDATA :: &&
		mcopy -i "$work/$1.vfat" "$dir/meta-data" "$dir/user-data" ::
}

# DISK SEED LOG: start the guest in the background.
start_vm() {
	rm -f "$work/qmp.sock"
	started=$(now)
	qemu-system-x86_64 -accel tcg -machine q35 -m 512 -nodefaults \
		-display none \
		-drive "file=$1,if=virtio,format=qcow2" \
		-drive "file=$2,if=virtio,format=raw,readonly=on" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" \
		-device virtio-net-pci,netdev=n0 \
		-device virtio-rng-pci \
		-serial "file:$3" \
		-qmp "unix:$work/qmp.sock,server=on,wait=off" &
	qpid=$!
}

# USER-FUNCTION SECONDS: wait until that ssh login works.
wait_ssh() {
	local deadline

	deadline=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		kill -0 "$qpid" 2>/dev/null || return 1
		"$1" true 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# SECONDS COMMAND...: wait until COMMAND succeeds.
wait_for() {
	local deadline

	deadline=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$deadline" ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# SECONDS: wait for QEMU to exit.
wait_off() {
	local i=0

	while kill -0 "$qpid" 2>/dev/null; do
		[ "$i" -ge $(($1 * 5)) ] && return 1
		sleep 0.2
		i=$((i + 1))
	done
	wait "$qpid" 2>/dev/null || true
	qpid=
}

qmp() {
	python3 - "$work/qmp.sock" "$1" <<-'EOF'
	import json, socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.connect(sys.argv[1])
	f = s.makefile("rw")
	f.readline()
	for cmd in ("qmp_capabilities", sys.argv[2]):
	    f.write(json.dumps({"execute": cmd}) + "\n")
	    f.flush()
	    while "return" not in json.loads(f.readline()):
	        pass
	EOF
}

# NAME: power off through QMP, as aq stop does.
powerdown() {
	local t0

	t0=$(now)
	qmp system_powerdown
	if wait_off 20; then
		pass "QMP system_powerdown: off after $(since "$t0") s"
		summary+=("$1 QMP power-off $(since "$t0") s")
	else
		fail "QMP system_powerdown: still running after 20 s"
		kill "$qpid"
		wait "$qpid" 2>/dev/null || true
		qpid=
	fi
}

# --- seeds -----------------------------------------------------------

cat >"$work/ud-a" <<EOF
#!/bin/sh
# Root's key first; root's shadow field only when the test says so.
echo "user-data start"
pidof sshd >/dev/null && echo "sshd was running"
n=\$(cat /var/lib/smoke-runs 2>/dev/null || echo 0)
echo \$((n + 1)) >/var/lib/smoke-runs
mkdir -p /root/.ssh
chmod 700 /root/.ssh
echo '$(cat "$work/rootkey.pub")' >/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
i=0
while [ ! -e /tmp/unlock-root ] && [ "\$i" -lt 900 ]; do
	sleep 0.1
	i=\$((i + 1))
done
sed -i 's/^root:[^:]*:/root:*:/' /etc/shadow
printf '#!/bin/sh\nexec login -f root\n' >/sbin/autologin
chmod 755 /sbin/autologin
sed -i 's|^ttyS0::.*|ttyS0::respawn:/sbin/getty -n -l /sbin/autologin 115200 ttyS0 vt100|' /etc/inittab
kill -HUP 1
echo "user-data done"
EOF

cat >"$work/ud-b" <<EOF
#!/bin/sh
# Unlock root at once, then fail on the first run only.
sed -i 's/^root:[^:]*:/root:*:/' /etc/shadow
mkdir -p /root/.ssh
echo '$(cat "$work/rootkey.pub")' >/root/.ssh/authorized_keys
n=\$(cat /var/lib/smoke-runs 2>/dev/null || echo 0)
echo \$((n + 1)) >/var/lib/smoke-runs
if [ "\$n" -eq 0 ]; then
	echo "failing on purpose"
	exit 3
fi
echo "second run succeeds"
EOF

make_seed a smoke-a "$work/key.pub" "$work/ud-a"
make_seed a2 smoke-other "$work/otherkey.pub" "$work/ud-b"
make_seed b smoke-b "$work/key.pub" "$work/ud-b"
seed_b=$work/b.iso
if command -v mformat >/dev/null && make_vfat_seed b; then
	seed_b=$work/b.vfat
	echo "note  seed B is vfat, labelled CIDATA"
fi
check "seed volume label is cidata (isoinfo)" \
	sh -c "isoinfo -d -i '$work/a.iso' | grep -q '^Volume id: cidata$'"
check "seed holds meta-data and user-data (isoinfo)" \
	sh -c "isoinfo -J -f -i '$work/a.iso' | sort | tr '\n' ' ' |
		grep -q '^/meta-data /user-data $'"
check "user-data scripts pass shellcheck as POSIX sh" \
	shellcheck -s sh "$work/ud-a" "$work/ud-b"

qemu-img create -q -f qcow2 -b "$image" -F qcow2 "$work/a.qcow2" 1G
qemu-img create -q -f qcow2 -b "$image" -F qcow2 "$work/b.qcow2" 1G

# --- A1: first boot --------------------------------------------------

echo "--- A1: first boot"
start_vm "$work/a.qcow2" "$work/a.iso" "$work/serial-a1.log"
if wait_ssh as_alpine 180; then
	t=$(since "$started")
	pass "ssh as alpine with the meta-data key after $t s"
	summary+=("A1 boot to ssh (alpine) $t s")
else
	fail "ssh as alpine within 180 s"
	exit 1
fi
check "hostname is meta-data's hostname" \
	test "$(as_alpine hostname)" = smoke-a
if as_root true 2>/dev/null; then
	fail "root refused while its shadow field is !*"
else
	pass "root refused while its shadow field is !* (its key is there)"
fi
check "sshd says why" \
	as_alpine "grep -q 'User root not allowed because account is locked' /var/log/messages"
as_alpine "touch /tmp/unlock-root"
t0=$(now)
if wait_ssh as_root 30; then
	pass "root accepted $(since "$t0") s after user-data unlocked it"
else
	fail "root accepted after user-data unlocked it"
fi
check "marker written" \
	wait_for 20 as_alpine "test -e /var/lib/cloud/.bootstrap-complete"
check "user-data ran after sshd started (log)" \
	as_alpine "grep -q 'sshd was running' /var/log/user-data.log"
check "user-data ran once" test "$(as_root cat /var/lib/smoke-runs)" = 1
check "root filesystem grown to the disk" \
	test "$(as_root "df -k / | awk 'NR == 2 { print \$2 }'")" -gt 900000
check "AllowTcpForwarding no, PermitRootLogin prohibit-password" \
	as_root "grep -qx 'AllowTcpForwarding no' /etc/ssh/sshd_config &&
		grep -qx 'PermitRootLogin prohibit-password' /etc/ssh/sshd_config"
check "alpine is in group wheel" \
	as_alpine "id -Gn | tr ' ' '\n' | grep -qx wheel"
check "/etc/alpine-release" test "$(as_alpine cat /etc/alpine-release)" = 3.22.1
check "doas without password for alpine" \
	test "$(as_alpine doas id -u </dev/null)" = 0
echo "smoke payload" >"$work/payload"
check "scp (sftp) to the guest and back" \
	sh -c "scp -q -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-i '$work/rootkey' -P $port '$work/payload' root@127.0.0.1:/tmp/p &&
		scp -q -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-i '$work/rootkey' -P $port root@127.0.0.1:/tmp/p '$work/back' &&
		cmp -s '$work/payload' '$work/back'"
check "TCP forwarding refused (AllowTcpForwarding no)" \
	sh -c "! ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ExitOnForwardFailure=yes -i '$work/rootkey' -p $port \
		-W 127.0.0.1:22 root@127.0.0.1 </dev/null >/dev/null 2>&1"
check "rewritten getty line + SIGHUP: root autologin on ttyS0" \
	wait_for 15 grep -q 'smoke-a:~# ' "$work/serial-a1.log"
check "no login prompt came before it" \
	sh -c "! grep -q 'login:' '$work/serial-a1.log'"
powerdown A1

# --- A2: second boot, new seed ----------------------------------------

echo "--- A2: second boot with another seed"
start_vm "$work/a.qcow2" "$work/a2.iso" "$work/serial-a2.log"
if wait_ssh as_root 180; then
	t=$(since "$started")
	pass "ssh as root after $t s"
	summary+=("A2 boot to ssh (root, known disk) $t s")
else
	fail "ssh as root within 180 s on the second boot"
	exit 1
fi
check "the first seed's key still works for alpine" as_alpine true
if sshto alpine "$work/otherkey" true 2>/dev/null; then
	fail "the new seed's key was not installed"
else
	pass "the new seed's key was not installed"
fi
check "hostname kept" test "$(as_root hostname)" = smoke-a
check "user-data not run again" test "$(as_root cat /var/lib/smoke-runs)" = 1
check "filesystem was clean at shutdown (no journal recovery)" \
	as_root "! dmesg | grep -q 'recovery complete'"
powerdown A2

# --- B1: failing user-data -------------------------------------------

echo "--- B1: first boot, user-data fails"
start_vm "$work/b.qcow2" "$seed_b" "$work/serial-b1.log"
if wait_ssh as_root 180; then
	t=$(since "$started")
	pass "ssh as root after $t s (user-data unlocks root at once)"
	summary+=("B1 boot to ssh (root, first boot) $t s")
else
	fail "ssh as root within 180 s"
	exit 1
fi
check "hostname from seed B" test "$(as_root hostname)" = smoke-b
check "user-data ran and failed" \
	wait_for 20 as_root "grep -q 'user-data exited 3' /var/log/tiny-cloud.log"
check "no marker after a failure" \
	as_root "test ! -e /var/lib/cloud/.bootstrap-complete"
t0=$(now)
boot1=$(as_root cat /proc/sys/kernel/random/boot_id)
as_root reboot || true

# --- B2: after the reboot, it runs again -----------------------------

echo "--- B2: after reboot, user-data runs again"
deadline=$(($(date +%s) + 180))
boot2=$boot1
while [ "$(date +%s)" -lt "$deadline" ]; do
	boot2=$(as_root cat /proc/sys/kernel/random/boot_id 2>/dev/null) &&
		[ "$boot2" != "$boot1" ] && break
	sleep 0.5
done
if [ -n "$boot2" ] && [ "$boot2" != "$boot1" ]; then
	t=$(since "$t0")
	pass "reboot from inside: ssh as root again after $t s"
	summary+=("B2 reboot to ssh (root, rerun) $t s")
else
	fail "reboot from inside: back within 180 s"
	exit 1
fi
check "marker written after the rerun succeeded" \
	wait_for 20 as_root "test -e /var/lib/cloud/.bootstrap-complete"
check "user-data ran twice" test "$(as_root cat /var/lib/smoke-runs)" = 2
check "its log is the second run's" \
	as_root "grep -q 'second run succeeds' /var/log/user-data.log"
powerdown B2

echo "--- timings (TCG)"
printf '  %s\n' "${summary[@]}"
if [ "$failures" -ne 0 ]; then
	echo "smoke: $failures check(s) failed"
	exit 1
fi
echo "smoke: all checks passed"
