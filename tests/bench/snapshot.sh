# Benchmarks of snapshots, run by tests/bench/run.sh (see there for the
# environment).  Rows:
#  - a live snapshot's clone from `aq start` to exec-ready (a restore)
#    next to a cold `aq start` of a VM of the same image (a boot of a
#    provisioned disk), and the ratio;
#  - `aq fanout` of 4 from that live snapshot (make, restore, run `true`,
#    remove) next to one clone made and restored alone;
#  - the disk the 4 clones take (their directories, after running) next to
#    one full, flattened copy of such a VM's disk.
# Knob: BENCH_SNAP_ROUNDS (3).
set -u
# shellcheck source=tests/bench/lib.sh
. "$BENCH_LIB"

rounds=${BENCH_SNAP_ROUNDS:-3}
work=$BENCH_WORK/snapshot
mkdir -p "$work"

fail() {
	say "snapshot: $*"
	exit 1
}

# Milliseconds CMD takes; its output goes to $work/last.log.
elapsed() {
	t0=$(now_ms)
	"$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; return 1; }
	echo $(($(now_ms) - t0))
}

say "snapshot: booting the source VM"
if ! aq new bsnap-src >/dev/null || ! aq start bsnap-src 2>/dev/null; then
	fail "cannot boot the source VM"
fi
aq exec bsnap-src -- "echo warm >/dev/shm/warm" || fail "exec failed"
t=$(elapsed aq snapshot create bsnap-src bsnap-live) ||
	fail "cannot take a live snapshot"
bench_row "live snapshot of a running VM (512 MiB)" "$(fmt_ms "$t")" "-" "-"

restores=''
colds=
for i in $(seq "$rounds"); do
	aq new --from bsnap-live "bsnap-r$i" >/dev/null ||
		fail "cannot make a clone"
	t=$(elapsed aq start "bsnap-r$i") || fail "cannot resume a clone"
	aq exec "bsnap-r$i" -- test -e /dev/shm/warm ||
		fail "the clone did not resume"
	restores="$restores $t"
	aq rm --force "bsnap-r$i" >/dev/null 2>&1
done
aq stop bsnap-src >/dev/null 2>&1 || fail "cannot stop the source VM"
for i in $(seq "$rounds"); do
	t=$(elapsed aq start bsnap-src) || fail "cannot boot the source VM"
	colds="$colds $t"
	aq stop bsnap-src >/dev/null 2>&1
done
# shellcheck disable=SC2086 # one word per number
restore=$(bench_median $restores)
# shellcheck disable=SC2086
cold=$(bench_median $colds)
ratio=$(bench_ratio "$restore" "$cold")
bench_row "clone of a live snapshot: start to exec-ready (median of $rounds)" \
	"$(fmt_s "$restore")" "-" "-"
bench_row "cold aq start of the same image (median of $rounds)" \
	"$(fmt_s "$cold")" "-" "-"
bench_row "live restore / cold start" "$(fmt_x "$ratio")" "<= 0.500x" \
	"$(bench_judge "$ratio" 0.5)"

single=$(elapsed sh -c 'aq new --from bsnap-live bsnap-one >/dev/null &&
	aq start bsnap-one && aq exec bsnap-one -- true &&
	aq rm --force bsnap-one') || fail "cannot make and resume one clone"
fan=$(elapsed aq fanout --prefix bsnap-fan bsnap-live 4 -- true) ||
	fail "fanout failed"
fratio=$(bench_ratio "$fan" "$single")
bench_row "one clone: new, resume, exec, rm" "$(fmt_s "$single")" "-" "-"
bench_row "fanout 4 from the live snapshot (true in each)" \
	"$(fmt_s "$fan")" "-" "-"
bench_row "fanout 4 / one clone" "$(fmt_x "$fratio")" "<= 4.000x" \
	"$(bench_judge "$fratio" 4)"

aq fanout --keep --prefix bsnap-disk bsnap-live 4 -- \
	"dd if=/dev/urandom of=/root/own bs=64k count=16 2>/dev/null; sync" \
	>/dev/null 2>&1 || fail "cannot make 4 clones"
clones=0
for i in 1 2 3 4; do
	k=$(du -sk "$AQ_HOME/vms/bsnap-disk-$i" | cut -f1)
	clones=$((clones + k))
done
qemu-img convert -U -O qcow2 "$AQ_HOME/vms/bsnap-disk-1/disk.qcow2" \
	"$work/full.qcow2" || fail "cannot flatten a clone's disk"
full=$(du -sk "$work/full.qcow2" | cut -f1)
snap=$(du -sk "$AQ_HOME/snapshots/bsnap-live" | cut -f1)
dratio=$(bench_ratio "$clones" "$full")
bench_row "disk of 4 running clones (their directories)" \
	"$((clones / 1024)) MiB" "-" "-"
bench_row "one full copy of a clone's disk (flattened qcow2)" \
	"$((full / 1024)) MiB" "-" "-"
bench_row "shared by the clones: the live snapshot (layer + memory)" \
	"$((snap / 1024)) MiB" "-" "-"
bench_row "4 clones / one full copy" "$(fmt_x "$dratio")" "<= 1.000x" \
	"$(bench_judge "$dratio" 1)"
aq rm --force bsnap-disk-1 bsnap-disk-2 bsnap-disk-3 bsnap-disk-4 \
	bsnap-src >/dev/null 2>&1
aq snapshot rm bsnap-live >/dev/null 2>&1
rm -f "$work/full.qcow2"
exit 0
