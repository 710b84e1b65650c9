# fanout: N VMs from a snapshot, one command in each at once, prefixed
# output, the highest exit status, and nothing left behind.

test_expect_success 'a live snapshot to fan out from' '
	aq new src && aq start src &&
	aq exec src -- "echo ready >/dev/shm/state" &&
	aq snapshot create src ready &&
	aq stop --force src
'

test_expect_success 'fanout 3: each shard sees its index, output prefixed' '
	set +e
	aq fanout ready 3 -- "echo i=\$AQ_SHARD_INDEX n=\$AQ_SHARD_TOTAL \
		h=\$(hostname) s=\$(cat /dev/shm/state); echo oops >&2;
		exit \$((AQ_SHARD_INDEX * 2))" >out 2>err
	status=$?
	set -e
	cat out err &&
	test $status -eq 4 &&
	test "$(sort out)" = "ready-1: i=0 n=3 h=ready-1 s=ready
ready-2: i=1 n=3 h=ready-2 s=ready
ready-3: i=2 n=3 h=ready-3 s=ready" &&
	test "$(grep -c ": oops$" err)" -eq 3 &&
	for i in 1 2 3; do grep -qx "ready-$i: oops" err || exit 1; done
'

test_expect_success 'the VMs are gone afterwards' '
	test "$(vm_dirs)" = "src " &&
	aq snapshot ls | grep -Eq "^ready .* src$"
'

test_expect_success 'fanout --keep keeps them; words are passed as they are' '
	aq fanout --keep --prefix kept ready 2 -- printf "%s|%s\n" "a b" c \
		>out &&
	test "$(sort out)" = "kept-1: a b|c
kept-2: a b|c" &&
	test "$(vm_dirs)" = "kept-1 kept-2 src " &&
	aq ls | grep -Eq "^kept-1 +Running" &&
	test "$(aq exec kept-2 -- hostname)" = kept-2 &&
	aq rm --force kept-1 kept-2
'

test_expect_success 'an interrupted fanout tears everything down' '
	aq fanout ready 2 -- sleep 1000 >out 2>err &
	pid=$! &&
	for _ in $(seq 300); do
		test "$(aq ls | grep -c "^ready-[12] *Running")" -eq 2 && break
		sleep 0.1
	done &&
	aq ls | grep -Eq "^ready-2 +Running" &&
	sleep 1 &&
	kill -INT $pid &&
	set +e
	wait $pid
	status=$?
	set -e
	test $status -eq 130 &&
	grep -q "interrupted: stopping the shards" err &&
	test "$(vm_dirs)" = "src " &&
	! pgrep -f "ssh.*$AQ_HOME/vms/ready-" >/dev/null
'

test_expect_success 'fanout errors: usage, unknown tag, taken names' '
	expect_fail 2 "usage: aq fanout" aq fanout ready &&
	expect_fail 2 "invalid count .0." aq fanout ready 0 -- true &&
	expect_fail 1 "cannot fan out .nope.: .*no snapshot named .nope." \
		aq fanout nope 2 -- true &&
	aq new --from ready ready-2 &&
	expect_fail 1 "cannot fan out .ready.: cannot create .ready-2.: a VM named .ready-2. already exists" \
		aq fanout ready 3 -- true &&
	test "$(vm_dirs)" = "ready-2 src " &&
	aq rm ready-2
'
