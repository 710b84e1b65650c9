#!/bin/sh
# Benchmarks of aq against bare QEMU and plain ssh, on the test guest
# from a loopback HTTP mirror (make bench).
#
#   AQ_BUILD=build tests/bench/run.sh
#
# Prints a table: measure, value, target, PASS/MISS ("-": no target).
# A missed target is a MISS in the table, not a failure: the exit status
# is non-zero only when something could not be run.  Knobs:
# BENCH_BOOT_ROUNDS (4), BENCH_RUNS (20), BENCH_NEW_RUNS (10),
# BENCH_LS_VMS (100), BENCH_LOGS (a directory to keep the boot logs in).
#
# Boots: each round creates fresh VMs with `aq new` and boots one with
# `aq start` and one with bare QEMU on its own overlay and seed (all first
# boots, the same guest work: the seed's user-data installs the key),
# one after the other, never together.  The last round's two VMs are then
# powered off cleanly and booted a second time.  Bare QEMU is polled like
# aq polls: an ssh login as root every 0.5 s with the ConnectTimeout of
# aq's probe.  On a first boot `aq start` also waits for the seed's
# script to finish: the table shows both aq milestones and both bare
# ones (ssh lets root in; the script's status written).
#
# If tests/bench/snapshot.sh exists it runs last (sh snapshot.sh), with
# the same environment: AQ_HOME (a cached base image, ~100 stopped VMs,
# none running), AQ_MIRROR, PATH with aq first, BENCH_LIB (source it),
# BENCH_ROWS, BENCH_TIMEIT, BENCH_WORK (scratch space).  It adds rows
# with bench_row and exits non-zero only if it could not run; whatever
# QEMU it leaves under AQ_HOME is killed at the end.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${AQ_BUILD:-$top/build}
mirror=${AQ_TEST_MIRROR:-$top/build/test-mirror}
rounds=${BENCH_BOOT_ROUNDS:-4}
runs=${BENCH_RUNS:-20}
new_runs=${BENCH_NEW_RUNS:-10}
ls_vms=${BENCH_LS_VMS:-100}
# What aq's readiness probe uses (plugins/exec-ssh, core/cmd_start.c).
connect_timeout=$(sed -n \
	's/^#define EXEC_PROBE_TIMEOUT "ConnectTimeout=\([0-9]*\)".*/\1/p' \
	"$top/plugins/exec-ssh/exec_ssh.c" 2>/dev/null)
connect_timeout=${connect_timeout:-5}
poll=0.5
# Where the seed's first-boot script reports that it finished.
provision_status=/var/lib/aq/provision.status
boot_timeout=300

[ -x "$build/aq" ] || { echo "run.sh: no $build/aq: run make" >&2; exit 2; }
[ -d "$mirror/latest-stable" ] ||
	{ echo "run.sh: no mirror at $mirror: run make test-mirror" >&2; exit 2; }
for tool in python3 qemu-system-x86_64 ssh awk; do
	command -v "$tool" >/dev/null ||
		{ echo "run.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/aq-bench.XXXXXX)
export AQ_HOME="$work/aq" AQ_CONFIG="$work/aq.ini" AQ_ACCEL=tcg
export HOME="$work/home" PATH="$build:$PATH"
export BENCH_ROWS="$work/rows" BENCH_LIB="$here/lib.sh"
export BENCH_TIMEIT="$here/timeit.py" BENCH_WORK="$work"
unset XDG_DATA_HOME XDG_CONFIG_HOME AQ_PLUGIN_PATH AQ_DEBUG
server_pid=
# A pid that is still one of our QEMUs (its command line names $work),
# not a process that got the number since.
# shellcheck disable=SC2317 # called by the trap
ours() {
	ps -o args= -p "$1" 2>/dev/null | grep -qF "$work/"
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -f "$work/bare.pids" ] && while read -r pid; do
		ours "$pid" && kill -9 "$pid"
	done <"$work/bare.pids"
	for pidfile in "$AQ_HOME"/vms/*/qemu.pid; do
		[ -f "$pidfile" ] && pid=$(cat "$pidfile") && ours "$pid" &&
			kill -9 "$pid"
	done
	for sock in "$AQ_HOME"/vms/*/ssh.sock "$work"/master-*; do
		[ -S "$sock" ] && ssh -o ControlPath="$sock" -O exit x \
			2>/dev/null
	done
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$HOME"
: >"$BENCH_ROWS"
. "$here/lib.sh"
failed=0
# Appended to the names of the boot logs.
boot_tag=

python3 "$top/tests/mirror-server.py" "$mirror" "$work/port" \
	2>"$work/mirror.log" &
server_pid=$!
for _ in $(seq 50); do
	[ -s "$work/port" ] && break
	sleep 0.1
done
[ -s "$work/port" ] ||
	{ echo "run.sh: mirror server did not start" >&2; exit 2; }
AQ_MIRROR="http://127.0.0.1:$(cat "$work/port")"
export AQ_MIRROR

# Other people's guests share the two cores: say how busy it was.
load_note() {
	others=$(pgrep -c qemu-system 2>/dev/null || true)
	printf '%s; QEMU processes on the machine: %s\n' \
		"$(uptime | sed 's/^ *//')" "${others:-0}"
}

fail() {
	say "FAILED: $*"
	failed=1
	return 1
}

vm_dir() {
	echo "$AQ_HOME/vms/$1"
}

vm_key() {
	sed -n "s/^$2 *= *//p" "$(vm_dir "$1")/vm.ini"
}

key=$AQ_HOME/keys/id_ed25519

# ssh_base PORT CONNECT-TIMEOUT ARG...: ssh as a person would, with aq's
# key and no config; ARG... is more options, the destination, a command.
ssh_base() {
	port=$1 ct=$2
	shift 2
	ssh -F none -o IdentitiesOnly=yes -i "$key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout="$ct" -o LogLevel=ERROR -p "$port" "$@" \
		</dev/null
}

# plain_ssh PORT CONNECT-TIMEOUT CMD...: root login, nothing shared with
# aq's master.
plain_ssh() {
	port=$1 ct=$2
	shift 2
	ssh_base "$port" "$ct" -o ControlMaster=no -o ControlPath=none \
		root@127.0.0.1 "$@"
}

new_vm() {
	aq new "$1" >/dev/null 2>"$work/new.err" ||
		fail "aq new $1: $(cat "$work/new.err")"
}

# The QEMU line aq would use, minus what only the host sees (QMP and HMP
# sockets, -daemonize, -pidfile): keep it in step with core/qemu.c and
# the disk-qemu, net-user and console-serial plugins.  check_same_line
# compares it with the line aq printed.
bare_argv() {
	dir=$(vm_dir "$1")
	bare_args="-accel tcg -machine q35 -cpu max
		-smp $(vm_key "$1" cpus) -m $(vm_key "$1" memory)
		-nodefaults -no-user-config -display none
		-device virtio-rng-pci
		-drive file=$dir/disk.qcow2,if=none,id=disk0,format=qcow2,discard=unmap,cache=writeback
		-device virtio-blk-pci,drive=disk0,bootindex=0
		-drive file=$dir/seed.iso,if=none,id=seed0,format=raw,readonly=on
		-device virtio-blk-pci,drive=seed0
		-netdev user,id=net0,hostfwd=tcp:127.0.0.1:$(vm_key "$1" ssh_port)-:22
		-device virtio-net-pci,netdev=net0,mac=$(vm_key "$1" mac)
		-chardev socket,id=serial0,path=$dir/bare-console.sock,server=on,wait=off,logfile=$dir/console.log,logappend=on
		-serial chardev:serial0"
}

# The options of a QEMU line that change what the guest sees, one per
# line, sorted; host-only ones and per-VM socket paths left out.
guest_options() {
	set -f
	# shellcheck disable=SC2086 # split into words on purpose
	set -- $1
	set +f
	while [ $# -gt 0 ]; do
		opt=$1 val=
		shift
		case ${1:--} in
		-*) ;;
		*) val=$1; shift ;;
		esac
		case $opt in
		-name | -pidfile | -qmp | -monitor | -chardev | -daemonize) ;;
		*) printf '%s %s\n' "$opt" "$val" ;;
		esac
	done | sort
}

# check_same_line NAME: warn if the line aq started NAME with gives the
# guest something the bare line does not (or the other way round).
check_same_line() {
	log=$work/start-$1$boot_tag.log
	aq_line=$(sed -n 's/^[0-9]* aq: running [^ ]* //p' "$log")
	[ -n "$aq_line" ] || { say "no QEMU line in aq's output"; return 0; }
	bare_argv "$1"
	guest_options "$aq_line" >"$work/line.aq"
	guest_options "$bare_args" >"$work/line.bare"
	if ! cmp -s "$work/line.aq" "$work/line.bare"; then
		say "WARNING: bare QEMU differs from aq's QEMU line (<aq >bare):"
		diff "$work/line.aq" "$work/line.bare" | grep '^[<>]' >&2
		same_line=no
	fi
}

# aq_boot NAME: $ms from `aq start` to its return; $ssh_ms to when it
# got in with ssh (it says so before it waits for the first-boot
# provisioning; on a later boot that is its return); $stalls counts its
# probes that sat out the whole ConnectTimeout.  Its stderr, each line
# with the time it came, is in $work/start-NAME.log.
aq_boot() {
	log=$work/start-$1$boot_tag.log
	t0=$(now_ms)
	{ AQ_DEBUG=1 aq start "$1" 2>&1 >/dev/null; echo "exit $?"; } |
		while IFS= read -r line; do
			printf '%s %s\n' "$(now_ms)" "$line"
		done >"$log"
	last=$(tail -n 1 "$log")
	if [ "${last#* }" != "exit 0" ]; then
		sed 's/^[0-9]* //' "$log" | tail -n 20 >&2
		fail "aq start $1"
		return 1
	fi
	ms=$((${last%% *} - t0))
	ssh_ms=$(sed -n 's/^\([0-9]*\) aq: waiting for the first-boot.*/\1/p' \
		"$log")
	ssh_ms=$((${ssh_ms:-${last%% *}} - t0))
	stalls=$(grep -c 'timed out during banner' "$log")
}

# bare_provisioned NAME: after bare_boot, $prov_ms from its launch until
# the seed's script wrote its status, polled over the master that
# bare_boot's last probe left, as aq polls it.
bare_provisioned() {
	sock=$work/master-$1
	i=0
	until ssh -F none -S "$sock" -o BatchMode=yes -p "$port" \
		root@127.0.0.1 test -s "$provision_status" </dev/null \
		2>/dev/null; do
		i=$((i + 1))
		# Without its master, ssh would quietly connect anew.
		if [ "$i" -ge 600 ] || [ ! -S "$sock" ]; then
			fail "no $provision_status in bare QEMU for $1"
			return 1
		fi
		sleep "$poll"
	done
	prov_ms=$(($(now_ms) - t0))
	ssh -F none -S "$sock" -O exit x 2>/dev/null
}

# bare_boot NAME: $ms from launching QEMU on NAME's disk and seed until
# a plain ssh gets in as root, polled as aq polls: one ssh at a time,
# ConnectTimeout=5, 0.5 s between.  QEMU is daemonized as aq does it, so
# both loops send their first probe once QEMU listens.  It is left
# running (pid in $work/bare-NAME.pid), with an ssh master on
# $work/master-NAME.  $stalls counts the probes that sat out the whole
# ConnectTimeout.
bare_boot() {
	bare_argv "$1"
	port=$(vm_key "$1" ssh_port)
	rm -f "$work/bare-$1.pid"
	t0=$(now_ms)
	set -f
	# shellcheck disable=SC2086 # split into words on purpose
	if ! qemu-system-x86_64 -name "bare-$1" $bare_args -daemonize \
		-pidfile "$work/bare-$1.pid" </dev/null >"$work/bare-$1.log" 2>&1
	then
		set +f
		cat "$work/bare-$1.log" >&2
		fail "bare QEMU for $1 did not start"
		return 1
	fi
	set +f
	qpid=$(cat "$work/bare-$1.pid")
	echo "$qpid" >>"$work/bare.pids"
	stalls=0
	log=$work/probes-$1$boot_tag.log
	: >"$log"
	while :; do
		p0=$(now_ms)
		# Like aq's probe, the one that gets in stays as a master.
		ssh_base "$port" "$connect_timeout" -o ControlMaster=auto \
			-o ControlPath="$work/master-$1" -o ControlPersist=60 \
			root@127.0.0.1 true >/dev/null 2>"$work/probe.err"
		rc=$?
		p1=$(now_ms)
		printf '%s +%s exit %s %s\n' $((p0 - t0)) $((p1 - p0)) "$rc" \
			"$(tail -n 1 "$work/probe.err")" >>"$log"
		[ "$rc" -eq 0 ] && break
		[ $((p1 - p0)) -lt $((connect_timeout * 1000 - 200)) ] ||
			stalls=$((stalls + 1))
		if ! alive "$qpid"; then
			cat "$work/bare-$1.log" >&2
			fail "bare QEMU for $1 exited while booting"
			return 1
		fi
		if [ $(($(now_ms) - t0)) -gt $((boot_timeout * 1000)) ]; then
			fail "bare QEMU for $1: no ssh within ${boot_timeout}s"
			return 1
		fi
		sleep "$poll"
	done
	ms=$(($(now_ms) - t0))
}

# A process that is there and not a zombie (a daemonized QEMU that was
# killed waits for init to reap it).
alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
	return 0
}

# wait_marker CMD...: until the guest finished its first-boot script, so
# that a later clean power-off does not cut it short.
wait_marker() {
	i=0
	until "$@" test -f /var/lib/cloud/.bootstrap-complete \
		>/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 120 ] || { fail "no first-boot marker"; return 1; }
		sleep 0.5
	done
}

bare_wait_gone() {
	pid=$(cat "$work/bare-$1.pid" 2>/dev/null) || return 0
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		if [ $i -gt 120 ]; then
			kill -9 "$pid" 2>/dev/null
			say "bare QEMU for $1 did not power off: killed"
			break
		fi
		sleep 0.5
	done
	return 0
}

bare_kill() {
	[ -f "$work/bare-$1.pid" ] &&
		kill -9 "$(cat "$work/bare-$1.pid")" 2>/dev/null
	bare_wait_gone "$1"
}

bare_poweroff() {
	plain_ssh "$(vm_key "$1" ssh_port)" "$connect_timeout" poweroff \
		>/dev/null 2>&1
	bare_wait_gone "$1"
}

echo "aq benchmark: $(aq --version 2>&1), accel tcg, $(nproc) cores"
echo "load at start: $(load_note)"

# --- 1. aq new with a cached base image -------------------------------
say "pulling the base image"
aq pull >/dev/null 2>"$work/pull.err" ||
	{ cat "$work/pull.err" >&2; fail "aq pull"; exit 1; }
# The image just written would otherwise be flushed by the first fsync.
sync
say "aq new x$new_runs"
if t=$(bench_time "$new_runs" 1 aq new); then
	bench_row "aq new, cached image (median of $new_runs)" \
		"$(fmt_ms "${t%% *}")" "<= 50 ms" "$(bench_judge "${t%% *}" 50)"
else
	fail "aq new"
fi

# --- 2. aq start vs bare QEMU, to SSH ready ---------------------------
# boot_one KIND ROUND: one timed first boot; KIND is aq or bare.
boot_one() {
	name=boot-$1-$2
	say "round $2/$rounds: first boot, $1"
	if [ "$1" = aq ]; then
		aq_boot "$name" || return 1
		check_same_line "$name"
		aq_times="$aq_times $ms" aq_ssh_times="$aq_ssh_times $ssh_ms"
		aq_stalls=$((aq_stalls + stalls)) round_aq=$ms
		say "  $(fmt_s "$ms") (in with ssh at $(fmt_s "$ssh_ms")," \
			"$stalls probe(s) sat out ConnectTimeout)"
	else
		bare_boot "$name" || return 1
		bare_times="$bare_times $ms" round_bare=$ms
		bare_stalls=$((bare_stalls + stalls))
		bare_provisioned "$name" || return 1
		prov_times="$prov_times $prov_ms"
		say "  $(fmt_s "$ms") (provisioned at $(fmt_s "$prov_ms")," \
			"$stalls probe(s) sat out ConnectTimeout)"
	fi
	# The last round's two VMs boot again: power them off cleanly,
	# once their first-boot script is done.
	if [ "$2" -eq "$rounds" ] && [ "$1" = aq ]; then
		wait_marker aq exec "$name" || return 1
		aq stop "$name" >/dev/null 2>&1 ||
			aq stop --force "$name" >/dev/null 2>&1
	elif [ "$2" -eq "$rounds" ]; then
		wait_marker plain_ssh "$(vm_key "$name" ssh_port)" \
			"$connect_timeout" || return 1
		bare_poweroff "$name"
	elif [ "$1" = aq ]; then
		aq stop --force "$name" >/dev/null 2>&1
	else
		bare_kill "$name"
	fi
	return 0
}

aq_times='' aq_ssh_times='' bare_times='' prov_times='' round_ratios=''
same_line=yes
aq_stalls=0 bare_stalls=0
r=1
while [ "$r" -le "$rounds" ] && [ "$failed" -eq 0 ]; do
	{ new_vm "boot-aq-$r" && new_vm "boot-bare-$r"; } || break
	# Alternate who goes first, so that drift in the load spreads.
	order="aq bare"
	[ $((r % 2)) -eq 0 ] && order="bare aq"
	for kind in $order; do
		boot_one "$kind" "$r" || break
	done
	[ "$failed" -eq 0 ] && round_ratios="$round_ratios $(bench_ratio \
		"$round_aq" "$round_bare")"
	r=$((r + 1))
done

if [ "$failed" -eq 0 ]; then
	say "first boots, ms: aq$aq_times (ssh in at$aq_ssh_times);" \
		"bare$bare_times (provisioned at$prov_times);" \
		"aq/bare by round:$round_ratios"
	# shellcheck disable=SC2086 # one number per word
	aq_ms=$(bench_median $aq_times)
	# shellcheck disable=SC2086
	aq_ssh_ms=$(bench_median $aq_ssh_times)
	# shellcheck disable=SC2086
	bare_ms=$(bench_median $bare_times)
	# shellcheck disable=SC2086
	prov_ms=$(bench_median $prov_times)
	# shellcheck disable=SC2086
	paired=$(bench_median $round_ratios)
	ratio=$(bench_ratio "$aq_ms" "$bare_ms")
	bench_row "aq start, first boot (median of $rounds)" \
		"$(fmt_s "$aq_ms")" "-" "-"
	bench_row "bare QEMU -> sshd lets root in (median of $rounds)" \
		"$(fmt_s "$bare_ms")" "-" "-"
	bench_row "  aq start / bare QEMU, first boot" "$(fmt_x "$ratio")" \
		"<= 1.05x" "$(bench_judge "$ratio" 1.05)"
	bench_row "  the same, median of each round's ratio" \
		"$(fmt_x "$paired")" "-" "-"
	bench_row "  aq's ssh got in (median); that / bare QEMU" \
		"$(fmt_s "$aq_ssh_ms"); $(fmt_x "$(bench_ratio "$aq_ssh_ms" \
		"$bare_ms")")" "-" "-"
	bench_row "  bare QEMU -> provisioned (median); aq start / it" \
		"$(fmt_s "$prov_ms"); $(fmt_x "$(bench_ratio "$aq_ms" \
		"$prov_ms")")" "-" "-"
	bench_row "  ${connect_timeout} s ssh timeouts sat out: aq, bare" \
		"$aq_stalls, $bare_stalls" "-" "-"
	[ "$same_line" = yes ] ||
		bench_row "  (the bare QEMU line differed from aq's)" "" "" ""
fi

# The last round's aq and bare VMs again: second boots, no first-boot
# script.  The aq one stays up for the exec benchmark.
exec_vm=boot-aq-$rounds
boot_tag=-second
if [ "$failed" -eq 0 ]; then
	say "second boot, aq"
	aq_boot "$exec_vm" && aq2_ms=$ms &&
		say "  $(fmt_s "$ms"), $stalls probe(s) sat out ConnectTimeout"
fi
if [ "$failed" -eq 0 ]; then
	say "second boot, bare"
	bare_boot "boot-bare-$rounds" && bare2_ms=$ms &&
		say "  $(fmt_s "$ms"), $stalls probe(s) sat out ConnectTimeout"
	bare_kill "boot-bare-$rounds"
fi
if [ "$failed" -eq 0 ]; then
	ratio2=$(bench_ratio "$aq2_ms" "$bare2_ms")
	bench_row "aq start -> SSH, second boot (1 run)" \
		"$(fmt_s "$aq2_ms")" "-" "-"
	bench_row "bare QEMU -> sshd, second boot (1 run)" \
		"$(fmt_s "$bare2_ms")" "-" "-"
	bench_row "  aq start / bare QEMU, second boot" \
		"$(fmt_x "$ratio2")" "<= 1.05x" "$(bench_judge "$ratio2" 1.05)"
fi

# --- 3. aq exec (warm master) vs fresh ssh ----------------------------
if [ "$failed" -eq 0 ]; then
	dir=$(vm_dir "$exec_vm")
	port=$(vm_key "$exec_vm" ssh_port)
	say "aq exec, ssh over aq's master, fresh ssh: $runs runs each"
	if exec_t=$(bench_time "$runs" 2 aq exec "$exec_vm" true) &&
	   mux_t=$(bench_time "$runs" 2 ssh -F none -S "$dir/ssh.sock" \
		-p "$port" root@127.0.0.1 true) &&
	   fresh_t=$(bench_time "$runs" 1 ssh -F none -o ControlMaster=no \
		-o ControlPath=none -o IdentitiesOnly=yes -i "$key" \
		-o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$dir/known_hosts" \
		-o ConnectTimeout="$connect_timeout" -o LogLevel=ERROR \
		-p "$port" root@127.0.0.1 true) &&
	   check_t=$(bench_time "$runs" 2 ssh -F none -S "$dir/ssh.sock" \
		-O check x) &&
	   sshv_t=$(bench_time "$runs" 2 ssh -V) &&
	   aqv_t=$(bench_time "$runs" 2 aq --version); then
		exec_ms=${exec_t%% *} fresh_ms=${fresh_t%% *} mux_ms=${mux_t%% *}
		ratio=$(bench_ratio "$exec_ms" "$fresh_ms")
		bench_row "aq exec NAME true, warm master (median of $runs)" \
			"$(fmt_ms "$exec_ms")" "-" "-"
		bench_row "fresh ssh root@VM true, no master (median)" \
			"$(fmt_ms "$fresh_ms")" "-" "-"
		bench_row "  aq exec / fresh ssh" "$(fmt_x "$ratio")" \
			"<= 0.100x" "$(bench_judge "$ratio" 0.1)"
		bench_row "  ssh -S ssh.sock true, same master (median)" \
			"$(fmt_ms "$mux_ms")" "-" "-"
		bench_row "  aq exec minus that: aq's own cost" \
			"$(fmt_ms "$(awk -v a="$exec_ms" -v b="$mux_ms" \
				'BEGIN { print a - b }')")" "-" "-"
		bench_row "    ssh -O check, run by each aq exec (median)" \
			"$(fmt_ms "${check_t%% *}")" "-" "-"
		bench_row "    ssh -V: one ssh process start (median)" \
			"$(fmt_ms "${sshv_t%% *}")" "-" "-"
		bench_row "    aq --version: one aq process start (median)" \
			"$(fmt_ms "${aqv_t%% *}")" "-" "-"
	else
		fail "exec benchmark"
	fi
fi

# --- 4. aq ls with many VMs -------------------------------------------
if [ "$failed" -eq 0 ]; then
	have=$(find "$AQ_HOME/vms" -mindepth 1 -maxdepth 1 -type d | wc -l)
	make=$((ls_vms - have))
	say "making $make more VMs with aq new ($have exist)"
	t0=$(now_ms)
	i=0
	while [ "$i" -lt "$make" ] && new_vm "ls-$i"; do
		i=$((i + 1))
	done
	made_s=$(fmt_s $(($(now_ms) - t0)))
fi
if [ "$failed" -eq 0 ]; then
	count=$(aq ls | tail -n +2 | wc -l)
	running=$(aq ls | grep -c ' Running ' || true)
	if t=$(bench_time "$runs" 2 aq ls); then
		bench_row "aq ls, $count VMs, $running running (median of $runs)" \
			"$(fmt_ms "${t%% *}")" "<= 10 ms" \
			"$(bench_judge "${t%% *}" 10)"
		bench_row "  ($make of them made by aq new, in $made_s)" \
			"" "" ""
	else
		fail "aq ls benchmark"
	fi
fi

if [ -f "$AQ_HOME/vms/$exec_vm/qemu.pid" ]; then
	aq stop --force "$exec_vm" >/dev/null 2>&1
fi

# --- snapshots, when someone wrote that part (independent of the rest) -
if [ -f "$here/snapshot.sh" ]; then
	say "running snapshot.sh"
	sh "$here/snapshot.sh" || fail "snapshot.sh"
fi

# BENCH_LOGS=DIR keeps aq start's timed output and the bare probes.
if [ -n "${BENCH_LOGS:-}" ]; then
	mkdir -p "$BENCH_LOGS" &&
		cp "$work"/start-*.log "$work"/probes-*.log "$BENCH_LOGS"/ \
			2>/dev/null
fi

echo "load at end:   $(load_note)"
echo
printf '%-52s  %-16s  %-9s  %s\n' MEASURE VALUE TARGET RESULT
while IFS='|' read -r measure value target result; do
	printf '%-52s  %-16s  %-9s  %s\n' "$measure" "$value" "$target" \
		"$result"
done <"$BENCH_ROWS"
if [ "$failed" -ne 0 ]; then
	echo "bench: some benchmarks could not run (see above)"
	exit 1
fi
exit 0
