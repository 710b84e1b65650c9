# Shared by the integration tests; sourced by run.sh before each test file.
#
# A test file is a list of
#
#	test_expect_success 'what it shows' '
#		aq new web &&
#		aq ls | grep -q "^web "
#	'
#
# Each file runs in its own $AQ_HOME with $AQ_ACCEL=tcg and $AQ_MIRROR set
# to the loopback test mirror; every QEMU it started is killed when the
# file ends.  Helpers below check messages and that failures leave nothing
# behind.

passed=0
failed=0
: "${TEST_FILE:=unknown}"

say() {
	printf '%s\n' "$*" >&2
}

test_expect_success() {
	title=$1
	body=$2
	out=$TEST_TMP/out.$((passed + failed))
	# Not in a condition: there, set -e would be ignored in the subshell.
	(set -ex; eval "$body") >"$out" 2>&1
	if [ $? -eq 0 ]; then
		passed=$((passed + 1))
		say "ok   - $TEST_FILE: $title"
	else
		failed=$((failed + 1))
		say "FAIL - $TEST_FILE: $title"
		sed 's/^/       | /' "$out" >&2
	fi
}

# expect_fail STATUS MESSAGE-PATTERN CMD...: CMD exits STATUS (or any
# non-zero for "!") and its stderr matches the extended regex.
expect_fail() {
	want=$1 pattern=$2
	shift 2
	set +e
	"$@" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr"
	got=$?
	set -e
	if [ "$got" -eq 0 ] || { [ "$want" != "!" ] && [ "$got" -ne "$want" ]; }
	then
		say "expected exit $want, got $got from: $*"
		cat "$TEST_TMP/stderr" >&2
		return 1
	fi
	if ! grep -Eq -- "$pattern" "$TEST_TMP/stderr"; then
		say "stderr of '$*' does not match '$pattern':"
		cat "$TEST_TMP/stderr" >&2
		return 1
	fi
	# Progress chatter is not part of the error.
	lines=$(grep -Evc "^aq: (downloading|verified|waiting) |^$" \
		"$TEST_TMP/stderr")
	if [ "$lines" -ne 1 ]; then
		say "expected one line on stderr from '$*', got $lines:"
		cat "$TEST_TMP/stderr" >&2
		return 1
	fi
}

# The VM directories that exist, hidden ones included.
vm_dirs() {
	ls -A "$AQ_HOME/vms" 2>/dev/null | sort | tr '\n' ' '
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Count the mirror's GET requests for paths matching a pattern.
mirror_gets() {
	grep -c "\"GET [^ ]*$1" "$MIRROR_LOG" || true
}

kill_vms() {
	for pidfile in "$AQ_HOME"/vms/*/qemu.pid; do
		[ -f "$pidfile" ] || continue
		kill -9 "$(cat "$pidfile")" 2>/dev/null || true
	done
	for sock in "$AQ_HOME"/vms/*/ssh.sock; do
		[ -S "$sock" ] || continue
		ssh -o ControlPath="$sock" -O exit x 2>/dev/null || true
	done
}

# Serve DIR over loopback HTTP like the test mirror; prints the base URL.
# The server's log is $TEST_TMP/mirror-NAME.log; it ends with the file.
start_mirror() {
	dir=$1 name=$2
	rm -f "$TEST_TMP/port-$name"
	python3 "$TOP/tests/mirror-server.py" "$dir" "$TEST_TMP/port-$name" >/dev/null \
		2>"$TEST_TMP/mirror-$name.log" &
	echo $! >>"$TEST_TMP/servers"
	for _ in $(seq 50); do
		[ -s "$TEST_TMP/port-$name" ] && break
		sleep 0.1
	done
	echo "http://127.0.0.1:$(cat "$TEST_TMP/port-$name")"
}

# A copy of the test mirror that can be changed (big files are linked).
copy_mirror() {
	rm -rf "$1"
	cp -rL "$MIRROR_DIR" "$1"
}

stop_servers() {
	[ -f "$TEST_TMP/servers" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$TEST_TMP/servers"
	rm -f "$TEST_TMP/servers"
}
