# Live snapshots: memory and devices saved while the VM runs; clones
# resume where it was, with their own identity; a restore that cannot
# work is refused; an interrupted snapshot leaves no half tag.

snaps=$AQ_HOME/snapshots

test_expect_success 'a live snapshot of a running VM; the VM keeps running' '
	aq new src && aq start src &&
	aq exec src -- "sleep 100000 </dev/null >/dev/null 2>&1 &
		echo \$! >/dev/shm/pid; echo in-tmpfs >/dev/shm/data" &&
	aq exec src -- cat /proc/sys/kernel/random/boot_id >boot_id &&
	aq snapshot create src live >out &&
	grep -qx "Created snapshot live" out &&
	grep -qx "kind = live" "$snaps/live/snapshot.ini" &&
	for k in qemu machine accel cpu memory cpus; do
		grep -q "^$k = ." "$snaps/live/snapshot.ini" || exit 1
	done &&
	test "$(stat -c %a "$snaps/live/memory.state")" = 444 &&
	test "$(stat -c %a "$snaps/live/layer.qcow2")" = 444 &&
	aq ls | grep -Eq "^src +Running" &&
	test "$(aq exec src -- cat /dev/shm/data)" = in-tmpfs &&
	aq exec src -- "echo after >/root/after" &&
	aq snapshot ls | grep -Eq "^live +live +- +[0-9.]+[KMG] .* src$" &&
	top=$AQ_HOME/vms/src/$(cat "$AQ_HOME/vms/src/disk.top") &&
	qemu-img info -U "$top" | grep -qx "backing file: $snaps/live/layer.qcow2" &&
	test ! -e "$AQ_HOME/vms/src/snapshot.pending"
'

test_expect_success 'a clone resumes: process, tmpfs and memory, no boot' '
	aq new --from live clone &&
	aq start clone 2>start.err &&
	test "$(aq exec clone -- cat /proc/sys/kernel/random/boot_id)" = \
		"$(cat boot_id)" &&
	test "$(aq exec clone -- cat /dev/shm/data)" = in-tmpfs &&
	aq exec clone -- "kill -0 \$(cat /dev/shm/pid)" &&
	aq exec clone -- "test ! -e /root/after"
'

test_expect_success 'the clone has its own hostname, MAC and clock' '
	test "$(aq exec clone -- hostname)" = clone &&
	test "$(aq exec clone -- cat /etc/hostname)" = clone &&
	m=$(sed -n "s/^mac = //p" "$AQ_HOME/vms/clone/vm.ini") &&
	test "$(aq exec clone -- cat /sys/class/net/eth0/address)" = "$m" &&
	test "$(aq exec src -- hostname)" = src &&
	t=$(aq exec clone -- date +%s) && now=$(date +%s) &&
	test $((now - t)) -lt 30 && test $((t - now)) -lt 30 &&
	test ! -e "$AQ_HOME/vms/clone/clone.ini"
'

test_expect_success 'a restarted clone boots from its own disk' '
	aq exec clone -- "echo mine >/root/mine && sync" &&
	aq stop clone && aq start clone &&
	test "$(aq exec clone -- cat /root/mine)" = mine &&
	test "$(aq exec clone -- hostname)" = clone &&
	! aq exec clone -- test -e /dev/shm/data &&
	aq stop clone
'

test_expect_success 'a clone with other memory or CPUs is refused at new' '
	expect_fail 1 "cannot create .big.: live snapshot .live. was taken with 512 MiB of memory; a VM resuming it must have the same, not 1024 MiB" \
		aq new --from live --memory 1G big &&
	expect_fail 1 "live snapshot .live. was taken with 1 CPUs" \
		aq new --from live --cpus 2 big &&
	test "$(vm_dirs)" = "clone src "
'

test_expect_success 'a restore that does not match is refused at start' '
	# LeakSanitizer (GCC 12) crashes at exit on these paths, in the
	# dynamic TLS libgnutls (through libcurl) sets up in its destructor.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" &&
	aq new --from live other &&
	sed -i "s/^memory = .*/memory = 640/" "$AQ_HOME/vms/other/vm.ini" &&
	expect_fail 1 "cannot start .other.: live snapshot .live. was taken with 512 MiB of memory; a VM resuming it must have the same, not 640 MiB" \
		aq start other &&
	aq ls | grep -Eq "^other +Stopped" &&
	sed -i "s/^memory = .*/memory = 512/" "$AQ_HOME/vms/other/vm.ini" &&
	chmod u+w "$snaps/live/snapshot.ini" &&
	cp "$snaps/live/snapshot.ini" ini.saved &&
	sed -i "s/^qemu = .*/qemu = 9.9.9/" "$snaps/live/snapshot.ini" &&
	expect_fail 1 "cannot start .other.: live snapshot .live. was taken with QEMU 9.9.9 \(machine pc-.*\); this is QEMU [0-9.]+ \(machine .*\), which cannot resume it" \
		aq start other &&
	aq ls | grep -Eq "^other +Stopped" &&
	test ! -e "$AQ_HOME/vms/other/qemu.pid" &&
	cp ini.saved "$snaps/live/snapshot.ini" &&
	expect_fail 1 "was taken under tcg; it cannot be resumed under kvm" \
		env AQ_ACCEL=kvm aq start other &&
	aq rm other
'

test_expect_success 'two live snapshots of a running clone chain up' '
	aq start clone &&
	aq exec clone -- "echo level2 >/dev/shm/level2" &&
	aq snapshot create clone live2 &&
	grep -qx "parent = live" "$snaps/live2/snapshot.ini" &&
	aq exec clone -- "echo level3 >/dev/shm/level3 && echo 3 >/root/three" &&
	aq snapshot create clone live3 &&
	grep -qx "parent = live2" "$snaps/live3/snapshot.ini" &&
	aq new --from live3 deep && aq start deep &&
	test "$(aq exec deep -- cat /dev/shm/level2 /dev/shm/level3)" = \
		"level2
level3" &&
	test "$(aq exec deep -- cat /root/mine /root/three)" = "mine
3" &&
	test "$(aq exec deep -- hostname)" = deep &&
	aq stop clone && aq start clone &&
	test "$(aq exec clone -- cat /root/three)" = 3 &&
	aq rm --force deep clone &&
	aq snapshot rm live3 live2
'

test_expect_success 'kill -9 during a live snapshot leaves no half tag' '
	aq snapshot create src cut >/dev/null 2>&1 &
	pid=$! &&
	for _ in $(seq 200); do
		ls "$snaps"/.new-cut-*/memory.state >/dev/null 2>&1 && break
		sleep 0.05
	done &&
	{ kill -9 $pid 2>/dev/null || :; } && { wait $pid || :; } &&
	{ aq start src 2>start.err && exit 1 || :; } &&
	cat start.err &&
	grep -q "cannot start .src.: .src. is already running" start.err &&
	test ! -e "$AQ_HOME/vms/src/snapshot.pending" &&
	test -z "$(ls -A "$snaps" | grep "^\.")" &&
	test "$(aq exec src -- cat /dev/shm/data)" = in-tmpfs &&
	aq exec src -- "echo still >/root/still && sync" &&
	if [ -d "$snaps/cut" ]; then
		aq new --from cut cut-clone && aq start cut-clone &&
		test "$(aq exec cut-clone -- cat /dev/shm/data)" = in-tmpfs &&
		aq rm --force cut-clone
	fi &&
	aq stop src && aq start src &&
	test "$(aq exec src -- cat /root/still)" = still
'

test_expect_success 'rm of a live snapshot frees the memory state too' '
	expect_fail 1 "cannot remove snapshot .live.: it is in use by (VM src|snapshot cut)" \
		aq snapshot rm live &&
	aq rm --force src &&
	if [ -d "$snaps/cut" ]; then aq snapshot rm cut; fi &&
	aq snapshot rm live &&
	test -z "$(ls -A "$snaps")"
'
