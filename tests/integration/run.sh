#!/bin/sh
# Run the integration tests: the real aq binary, real QEMU (TCG), the
# test guest from a loopback HTTP mirror.
#
#   AQ_BUILD=build tests/integration/run.sh [tNNNN-name.sh ...]
#
# Prints one line per test and ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${AQ_BUILD:-$top/build}
mirror=${AQ_TEST_MIRROR:-$top/build/test-mirror}

[ -x "$build/aq" ] || { echo "run.sh: no $build/aq: run make" >&2; exit 2; }
[ -d "$mirror/latest-stable" ] ||
	{ echo "run.sh: no mirror at $mirror: run make test-mirror" >&2; exit 2; }

work=$(mktemp -d /tmp/aq-it.XXXXXX)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	for home in "$work"/home.*; do
		[ -d "$home" ] || continue
		for pidfile in "$home"/vms/*/qemu.pid; do
			[ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$top/tests/mirror-server.py" "$mirror" "$work/port" \
	2>"$work/mirror.log" &
server_pid=$!
for _ in $(seq 50); do
	[ -s "$work/port" ] && break
	sleep 0.1
done
[ -s "$work/port" ] || { echo "run.sh: mirror server did not start" >&2; exit 2; }

if [ $# -eq 0 ]; then
	set -- "$here"/t[0-9]*.sh
fi

total_passed=0
total_failed=0
for t in "$@"; do
	case $t in /*) ;; *) [ -f "$t" ] || t=$here/$t ;; esac
	name=$(basename "$t" .sh)
	home=$work/home.$name
	mkdir -p "$home" "$work/tmp.$name"
	result=$work/result.$name
	(
		export AQ_HOME="$home/aq" AQ_CONFIG="$home/aq.ini"
		export AQ_MIRROR="http://127.0.0.1:$(cat "$work/port")"
		export AQ_ACCEL=tcg PATH="$build:$PATH" HOME="$home"
		export TEST_TMP="$work/tmp.$name" TEST_FILE=$name
		export MIRROR_DIR="$mirror" MIRROR_LOG="$work/mirror.log"
		export TOP="$top" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
		export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"
		unset XDG_DATA_HOME XDG_CONFIG_HOME AQ_PLUGIN_PATH AQ_DEBUG
		cd "$TEST_TMP" || exit 1
		. "$here/lib.sh"
		. "$t"
		kill_vms
		stop_servers
		echo "$passed $failed" >"$result"
	)
	if [ -s "$result" ]; then
		read -r p f <"$result"
	else
		echo "FAIL - $name: the test file itself failed" >&2
		p=0 f=1
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
done

echo "integration: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
