# The whole life of VMs on real QEMU: the README's cheat sheet, and what
# happens around it (restarts, crashes, a second VM, the console).

fwd=$(free_port)
same=$(free_port)

test_expect_success 'new with forwards, then start waits for SSH' '
	aq new -p $fwd:8000 -p $same guest-1 | grep -qx "Created guest-1" &&
	aq start guest-1 2>start.err &&
	grep -q "waiting for guest-1 to answer SSH" start.err &&
	aq ls | grep Running | grep -q "^guest-1 "
'

test_expect_success 'start of a running VM is refused' '
	expect_fail 1 "cannot start .guest-1.: .guest-1. is already running" \
		aq start guest-1
'

test_expect_success 'exec runs as root in the guest with its own hostname' '
	test "$(aq exec guest-1 -- id -u)" = 0 &&
	test "$(aq exec guest-1 -- hostname)" = guest-1 &&
	aq exec guest-1 -- ps >ps.out &&
	grep -q sshd ps.out
'

test_expect_success 'exec passes the exit status and keeps stderr apart' '
	set +e
	aq exec guest-1 -- sh -c "echo out; echo err >&2; exit 7" >o 2>e
	status=$?
	set -e
	test $status -eq 7 &&
	test "$(cat o)" = out && test "$(cat e)" = err
'

test_expect_success 'exec streams stdin, runs scripts and shell lines' '
	test "$(printf "a\nb\n" | aq exec guest-1 -- wc -l)" = 2 &&
	printf "#!/bin/sh\necho \"args:\$*\"; hostname\n" >boot.sh &&
	aq exec guest-1 ./boot.sh x y >script.out &&
	test "$(sed -n 1p script.out)" = "args:x y" &&
	test "$(sed -n 2p script.out)" = guest-1 &&
	test "$(aq exec guest-1 <boot.sh | tail -n1)" = guest-1 &&
	test "$(aq exec guest-1 -- "echo hi | tr h H")" = Hi &&
	! aq exec guest-1 -- ls "/no such dir" 2>ls.err &&
	grep -q "no such dir" ls.err
'

test_expect_success 'a forwarded port reaches the guest' '
	aq exec guest-1 -- "mkdir -p /srv && echo forwarded >/srv/index.html &&
		busybox httpd -p 8000 -h /srv" &&
	test "$(curl -fsS http://127.0.0.1:$fwd/index.html)" = forwarded
'

test_expect_success 'ssh-config works with plain ssh' '
	aq ssh-config guest-1 >ssh.cfg &&
	grep -q "^Host aq-guest-1$" ssh.cfg &&
	test "$(ssh -F ssh.cfg aq-guest-1 hostname)" = guest-1
'

test_expect_success 'monitor answers HMP commands' '
	echo "info status" | aq monitor guest-1 | grep -q "VM status: running"
'

test_expect_success 'console: Ctrl-] leaves and restores the terminal' '
	python3 "$TOP/tests/integration/console-pty.py" guest-1 "ctrl-]"
'

test_expect_success 'console: ~. leaves, and SIGTERM restores the terminal' '
	python3 "$TOP/tests/integration/console-pty.py" guest-1 tilde-dot &&
	python3 "$TOP/tests/integration/console-pty.py" guest-1 sigterm
'

test_expect_success 'data written in the guest survives stop and start' '
	aq exec guest-1 -- "echo kept >/root/data && sync" &&
	aq stop guest-1 2>stop.err &&
	grep -Eq "stopped guest-1 \((the guest shut down|ACPI power button)\)" stop.err &&
	aq ls | grep -Eq "^guest-1 +Stopped" &&
	test ! -e "$AQ_HOME/vms/guest-1/qmp.sock" &&
	aq start guest-1 &&
	test "$(aq exec guest-1 -- cat /root/data)" = kept
'

test_expect_success 'a second VM has its own MAC, port and hostname' '
	aq new guest-2 && aq start guest-2 &&
	test "$(aq exec guest-2 -- hostname)" = guest-2 &&
	m1=$(aq exec guest-1 -- cat /sys/class/net/eth0/address) &&
	m2=$(aq exec guest-2 -- cat /sys/class/net/eth0/address) &&
	test "$m1" != "$m2" &&
	grep -qx "mac = $m1" "$AQ_HOME/vms/guest-1/vm.ini" &&
	grep -qx "mac = $m2" "$AQ_HOME/vms/guest-2/vm.ini" &&
	test "$(aq ls | grep -c Running)" -eq 2 &&
	p1=$(aq ls --json | python3 -c "import json,sys; print(sorted(v[\"ssh_port\"] for v in json.load(sys.stdin)))") &&
	python3 -c "import sys; a=$p1; sys.exit(len(set(a)) != 2)"
'

test_expect_success 'kill -9 of QEMU: ls says Stopped and start works again' '
	kill -9 "$(cat "$AQ_HOME/vms/guest-2/qemu.pid")" &&
	sleep 0.5 &&
	aq ls | grep -Eq "^guest-2 +Stopped" &&
	aq start guest-2 &&
	test "$(aq exec guest-2 -- hostname)" = guest-2
'

test_expect_success 'stop --force says it forced' '
	aq stop --force guest-2 2>stop.err &&
	grep -q "stopped guest-2 (forced off)" stop.err &&
	aq ls | grep -Eq "^guest-2 +Stopped"
'

test_expect_success 'rm refuses a running VM unless --force' '
	expect_fail 1 "guest-1. is running: stop it first, or use --force" \
		aq rm guest-1 &&
	test -d "$AQ_HOME/vms/guest-1" &&
	aq rm --force guest-1 && aq rm guest-2 &&
	test -z "$(vm_dirs)" &&
	test "$(aq ls | wc -l)" -eq 1
'

test_expect_success 'a VM re-created under the same name trips no host key check' '
	aq new guest-1 && aq start guest-1 &&
	test "$(aq exec guest-1 -- hostname)" = guest-1 &&
	aq rm --force guest-1
'
