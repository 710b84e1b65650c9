# Cold snapshots: a stopped VM's disk frozen as a layer, clones on it,
# chains of layers, the tree, and removal only when nothing needs a tag.

snaps=$AQ_HOME/snapshots

test_expect_success 'a cold snapshot freezes the disk of a stopped VM' '
	aq new src && aq start src &&
	aq exec src -- "echo from-src >/root/file && sync" &&
	aq stop src &&
	aq snapshot create src base >out &&
	grep -qx "Created snapshot base" out &&
	test "$(stat -c %a "$snaps/base/layer.qcow2")" = 444 &&
	grep -qx "kind = cold" "$snaps/base/snapshot.ini" &&
	grep -qx "source = src" "$snaps/base/snapshot.ini" &&
	grep -qx "image = $snaps/base/layer.qcow2" "$AQ_HOME/vms/src/vm.ini" &&
	qemu-img info -U "$AQ_HOME/vms/src/disk.qcow2" >info &&
	grep -q "backing file: $snaps/base/layer.qcow2" info &&
	aq snapshot ls >ls.out &&
	grep -Eq "^TAG +KIND +PARENT +SIZE +CREATED +USERS$" ls.out &&
	grep -Eq "^base +cold +- +[0-9.]+[KMG] +20[0-9-]+T[0-9:]+Z +src$" \
		ls.out &&
	test -z "$(ls -A "$snaps" | grep "^\.")"
'

test_expect_success 'snapshot errors name the VM or tag and make nothing' '
	expect_fail 1 "cannot take snapshot .x. of .nope.: no VM named .nope." \
		aq snapshot create nope x &&
	expect_fail 1 "cannot take snapshot .base. of .src.: a snapshot named .base. already exists" \
		aq snapshot create src base &&
	expect_fail 1 "invalid snapshot tag .Bad_Tag." \
		aq snapshot create src Bad_Tag &&
	expect_fail 1 "cannot remove snapshot .nope.: no snapshot named .nope." \
		aq snapshot rm nope &&
	expect_fail 1 "cannot create .x.: no snapshot named .nope." \
		aq new --from nope x &&
	expect_fail 2 "usage: aq snapshot" aq snapshot &&
	expect_fail 2 "unknown subcommand .frob." aq snapshot frob &&
	test "$(ls "$snaps")" = base &&
	test -z "$(ls -A "$snaps" | grep "^\.")" &&
	test "$(vm_dirs)" = "src "
'

test_expect_success 'new --from makes clones; --count names them PREFIX-N' '
	aq new --from base one >out &&
	grep -qx "Created one" out &&
	aq new --from base --count 2 shard >out &&
	test "$(cat out)" = "Created shard-1
Created shard-2" &&
	for v in one shard-1 shard-2; do
		grep -qx "image = $snaps/base/layer.qcow2" \
			"$AQ_HOME/vms/$v/vm.ini" || exit 1
	done &&
	m1=$(sed -n "s/^mac = //p" "$AQ_HOME/vms/one/vm.ini") &&
	m2=$(sed -n "s/^mac = //p" "$AQ_HOME/vms/shard-1/vm.ini") &&
	test "$m1" != "$m2" &&
	expect_fail 1 "cannot create .shard-1.: a VM named .shard-1. already exists" \
		aq new --from base --count 3 shard &&
	test "$(vm_dirs)" = "one shard-1 shard-2 src "
'

test_expect_success 'two clones both see the file, with their own identity' '
	aq start one && aq start shard-1 &&
	test "$(aq exec one -- cat /root/file)" = from-src &&
	test "$(aq exec shard-1 -- cat /root/file)" = from-src &&
	test "$(aq exec one -- hostname)" = one &&
	test "$(aq exec shard-1 -- cat /etc/hostname)" = shard-1 &&
	m=$(sed -n "s/^mac = //p" "$AQ_HOME/vms/one/vm.ini") &&
	test "$(aq exec one -- cat /sys/class/net/eth0/address)" = "$m" &&
	test ! -e "$AQ_HOME/vms/one/clone.ini"
'

test_expect_success 'each clone keeps its own writes' '
	aq exec one -- "echo one >/root/own && sync" &&
	aq exec shard-1 -- "echo shard >/root/own && sync" &&
	test "$(aq exec one -- cat /root/own)" = one &&
	test "$(aq exec shard-1 -- cat /root/own)" = shard &&
	aq stop one &&
	aq start one &&
	test "$(aq exec one -- cat /root/own)" = one &&
	test "$(aq exec one -- hostname)" = one &&
	aq stop one
'

test_expect_success 'the source VM keeps working on its new overlay' '
	aq start src &&
	test "$(aq exec src -- cat /root/file)" = from-src &&
	test "$(aq exec src -- hostname)" = src &&
	aq exec src -- "test ! -e /root/own && echo later >/root/later" &&
	aq stop src
'

test_expect_success 'a snapshot of a clone has the first one as parent' '
	aq stop shard-1 &&
	aq snapshot create shard-1 level2 &&
	grep -qx "parent = base" "$snaps/level2/snapshot.ini" &&
	qemu-img info -U "$snaps/level2/layer.qcow2" >info &&
	grep -q "backing file: $snaps/base/layer.qcow2" info &&
	aq new --from level2 deep && aq start deep &&
	test "$(aq exec deep -- cat /root/file)" = from-src &&
	test "$(aq exec deep -- cat /root/own)" = shard &&
	test "$(aq exec deep -- hostname)" = deep &&
	aq stop deep &&
	aq snapshot ls >ls.out &&
	grep -Eq "^level2 +cold +base +" ls.out &&
	aq snapshot ls --json | python3 -c "import json, sys
s = {x[\"tag\"]: x for x in json.load(sys.stdin)}
assert s[\"base\"][\"vms\"] == [\"one\", \"shard-2\", \"src\"], s
assert s[\"base\"][\"children\"] == [\"level2\"], s
assert s[\"level2\"][\"parent\"] == \"base\" and s[\"base\"][\"parent\"] is None
assert s[\"level2\"][\"kind\"] == \"cold\" and s[\"level2\"][\"bytes\"] > 0" &&
	grep -Eq "^base .* one, shard-2, src$" ls.out
'

test_expect_success 'tree shows layers and the VMs on them' '
	aq snapshot tree >tree.out &&
	cat tree.out &&
	test "$(sed -n 1p tree.out)" = \
		"$(basename "$(sed -n "s/^base = //p" "$snaps/base/snapshot.ini")")" &&
	grep -Eq "^\`-- base \(cold, .*, from src\)$" tree.out &&
	grep -Eq "^    \|-- level2 \(cold, .*, from shard-1\)$" tree.out &&
	grep -Eq "^    \|   \|-- VM deep$" tree.out &&
	grep -Eq "^    \|   \`-- VM shard-1$" tree.out &&
	grep -Eq "^    \`-- VM src$" tree.out
'

test_expect_success 'rm is refused while VMs or snapshots depend on a tag' '
	expect_fail 1 "cannot remove snapshot .base.: it is in use by VM one, shard-2, src and snapshot level2" \
		aq snapshot rm base &&
	expect_fail 1 "cannot remove snapshot .level2.: it is in use by VM deep, shard-1" \
		aq snapshot rm level2 &&
	test -f "$snaps/base/layer.qcow2" && test -f "$snaps/level2/layer.qcow2"
'

test_expect_success 'rm after the clones are gone frees the space' '
	aq rm deep shard-1 &&
	before=$(du -sk "$snaps" | cut -f1) &&
	aq snapshot rm level2 &&
	test ! -e "$snaps/level2" &&
	after=$(du -sk "$snaps" | cut -f1) &&
	test "$after" -lt "$before" &&
	aq rm one shard-2 src &&
	mkdir "$snaps/.new-gone-abc123" "$snaps/.rm-old" &&
	: >"$snaps/.new-gone-abc123/layer.qcow2" &&
	aq snapshot rm base &&
	test -z "$(ls -A "$snaps")" &&
	ls "$AQ_HOME/images" | grep -q "^nocloud_alpine-.*\.qcow2$" &&
	test "$(aq snapshot ls | wc -l)" -eq 1
'

test_expect_success 'a snapshot of a VM never started: clones do the first boot' '
	aq new fresh && aq snapshot create fresh pristine &&
	grep -qx "booted = no" "$snaps/pristine/snapshot.ini" &&
	aq new --from pristine first &&
	test -e "$AQ_HOME/vms/first/provision.pending" &&
	aq start first &&
	test ! -e "$AQ_HOME/vms/first/provision.pending" &&
	test "$(aq exec first -- hostname)" = first &&
	aq exec first -- test -f /root/.ssh/authorized_keys &&
	aq rm --force first fresh &&
	aq snapshot rm pristine
'
