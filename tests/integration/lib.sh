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
	(set -e; eval "$body") >"$out" 2>&1
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
	lines=$(grep -c . "$TEST_TMP/stderr")
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
