# aq new without booting: what it creates, what it refuses, and that a
# refusal leaves nothing behind.

busy=$(free_port)
web=$(free_port)
alt=$(free_port)
dns=$(free_port)

test_expect_success 'new prints Created and makes a stopped VM' '
	aq new -p $web -p $alt:22 -p 0.0.0.0:$dns:53/udp guest-1 >out &&
	test "$(cat out)" = "Created guest-1" &&
	aq ls | grep -Eq "^guest-1 +Stopped +[0-9]+ +$web:$web,$alt:22,0.0.0.0:$dns:53/udp +1 +512M +2G$" &&
	test ! -e "$AQ_HOME/vms/guest-1/qemu.pid" &&
	test "$(vm_dirs)" = "guest-1 "
'

test_expect_success 'the VM directory and files are private' '
	test "$(stat -c %a "$AQ_HOME")" = 700 &&
	test "$(stat -c %a "$AQ_HOME/vms/guest-1")" = 700 &&
	test "$(stat -c %a "$AQ_HOME/keys/id_ed25519")" = 600 &&
	test "$(stat -c %a "$AQ_HOME/images")" = 700
'

test_expect_success 'the base image is cached read-only and backs the disk' '
	img=$(ls "$AQ_HOME"/images/*.qcow2) &&
	test "$(stat -c %a "$img")" = 444 &&
	qemu-img info --output=json "$AQ_HOME/vms/guest-1/disk.qcow2" >info &&
	grep -q "\"backing-filename\": \"$img\"" info &&
	grep -q "\"virtual-size\": 2147483648" info
'

test_expect_success 'the seed is a cidata ISO with meta-data and a sh script' '
	seed=$AQ_HOME/vms/guest-1/seed.iso &&
	isoinfo -d -i "$seed" | grep -iq "^Volume id: cidata$" &&
	isoinfo -J -i "$seed" -x /meta-data >meta &&
	grep -qx "hostname: guest-1" meta &&
	grep -qx "local-hostname: guest-1" meta &&
	grep -q "^  - openssh-key: ssh-ed25519 " meta &&
	isoinfo -J -i "$seed" -x /user-data >user &&
	head -n1 user | grep -qx "#!/bin/sh" &&
	shellcheck -s sh user
'

test_expect_success 'vm.ini records a locally administered unicast MAC' '
	mac=$(sed -n "s/^mac = //p" "$AQ_HOME/vms/guest-1/vm.ini") &&
	echo "$mac" | grep -Eq "^[0-9a-f]{2}(:[0-9a-f]{2}){5}$" &&
	first=$((0x$(echo "$mac" | cut -c1-2))) &&
	test $((first & 2)) -eq 2 && test $((first & 1)) -eq 0
'

test_expect_success 'new without a name picks an adjective-noun' '
	aq new >out &&
	name=$(sed -n "s/^Created //p" out) &&
	echo "$name" | grep -Eq "^[a-z]+-[a-z]+$" &&
	aq ls | grep -q "^$name " &&
	aq rm "$name"
'

test_expect_success 'new with resources records them' '
	aq new --cpus 2 --memory 1G --disk 3G --mac 52:54:00:aa:bb:cc big &&
	aq ls | grep -Eq "^big +Stopped +[0-9]+ +- +2 +1G +3G$" &&
	grep -qx "mac = 52:54:00:aa:bb:cc" "$AQ_HOME/vms/big/vm.ini"
'

test_expect_success 'bad names are refused' '
	expect_fail 2 "invalid VM name .Bad_Name." aq new Bad_Name &&
	expect_fail 2 "invalid VM name .-x.|unknown option" aq new -- -x &&
	expect_fail 2 "invalid VM name .a/b." aq new a/b &&
	expect_fail 2 "invalid VM name .\.\.." aq new .. &&
	expect_fail 2 "longer than 48" aq new aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa &&
	expect_fail 1 "a VM named .guest-1. already exists" aq new guest-1 &&
	test "$(vm_dirs)" = "big guest-1 "
'

test_expect_success 'bad port forwards are refused' '
	expect_fail 2 "invalid port .0." aq new -p 0 p1 &&
	expect_fail 2 "invalid port .70000." aq new -p 70000:22 p1 &&
	expect_fail 2 "invalid port .abc." aq new -p abc p1 &&
	expect_fail 2 "invalid protocol .sctp." aq new -p 80/sctp p1 &&
	expect_fail 2 "invalid address .localhost." aq new -p localhost:80:80 p1 &&
	expect_fail 1 "port 9000/tcp on 127.0.0.1 is already used by this VM twice" \
		aq new -p 9000:80 -p 9000:81 p1 &&
	expect_fail 1 "port $web/tcp on 127.0.0.1 is already used by another VM" \
		aq new -p $web p1 &&
	expect_fail 1 "port $dns/udp on 127.0.0.1 is already used by another VM" \
		aq new -p $dns/udp p1 &&
	test "$(vm_dirs)" = "big guest-1 "
'

test_expect_success 'a port bound on the host is refused' '
	python3 -c "import socket,time,sys
s=socket.socket(); s.bind((\"127.0.0.1\", $busy)); s.listen(1)
open(\"ready\",\"w\").close(); time.sleep(30)" &
	holder=$! &&
	while [ ! -e ready ]; do sleep 0.1; done &&
	expect_fail 1 "port $busy/tcp on 127.0.0.1 is already in use" \
		aq new -p $busy:80 p1 &&
	kill $holder &&
	test "$(vm_dirs)" = "big guest-1 "
'

test_expect_success 'bad sizes, counts and MACs are refused' '
	expect_fail 1 "invalid memory size .10M." aq new --memory 10M p1 &&
	expect_fail 1 "invalid memory size.*abc" aq new --memory abc p1 &&
	expect_fail 1 "invalid disk size.*1X" aq new --disk 1X p1 &&
	expect_fail 1 "disk size .* is smaller than the image" aq new --disk 100M p1 &&
	expect_fail 1 "invalid cpu count.*out of range" aq new --cpus 0 p1 &&
	expect_fail 1 "invalid MAC address .zz:zz." aq new --mac zz:zz p1 &&
	expect_fail 1 "multicast" aq new --mac 01:00:00:00:00:01 p1 &&
	expect_fail 1 "MAC address 52:54:00:aa:bb:cc is already used" \
		aq new --mac 52:54:00:AA:BB:CC p1 &&
	test "$(vm_dirs)" = "big guest-1 "
'

test_expect_success 'commands on an unknown VM say so' '
	for c in start stop console rm ssh-config monitor; do
		expect_fail 1 "no VM named .nope." aq $c nope || exit 1
	done &&
	expect_fail 255 "no VM named .nope." aq exec nope -- true
'

test_expect_success 'wrong state: exec, stop and console of a stopped VM' '
	expect_fail 255 "guest-1. is not running \(start it with .aq start guest-1.\)" \
		aq exec guest-1 -- true &&
	expect_fail 1 "cannot stop .guest-1.: .guest-1. is not running" aq stop guest-1 &&
	expect_fail 1 "not running" aq console guest-1
'

test_expect_success 'an unknown accelerator is refused before QEMU runs' '
	AQ_ACCEL=warp expect_fail 1 "unknown accelerator .warp." aq start guest-1 &&
	test ! -e "$AQ_HOME/vms/guest-1/qemu.pid"
'

test_expect_success 'a broken vm.ini is reported with file and line' '
	cp "$AQ_HOME/vms/big/vm.ini" saved.ini &&
	printf "mem = 5\n" >>"$AQ_HOME/vms/big/vm.ini" &&
	expect_fail 1 "vms/big/vm.ini:[0-9]+: unknown key .mem. in section \[vm\]" \
		aq start big &&
	aq ls 2>ls.err | grep -Eq "^big +Broken" &&
	grep -q "unknown key" ls.err &&
	cp saved.ini "$AQ_HOME/vms/big/vm.ini"
'

test_expect_success 'rm removes a stopped VM and keeps the base image' '
	aq rm big &&
	test "$(vm_dirs)" = "guest-1 " &&
	ls "$AQ_HOME"/images/*.qcow2 >/dev/null
'

# The mirror's failures, each with an empty image cache.
fresh_home() {
	export AQ_HOME=$TEST_TMP/home-$1
}

test_expect_success 'a mirror that is down is named, and nothing is made' '
	fresh_home down &&
	port=$(free_port) &&
	AQ_MIRROR=http://127.0.0.1:$port expect_fail 1 \
		"cannot create .m1.: .*http://127.0.0.1:$port/latest-stable/releases/x86_64/latest-releases.yaml.*(connect|Connection)" \
		aq new m1 &&
	test -z "$(vm_dirs)" &&
	test -z "$(ls -A "$AQ_HOME/images" 2>/dev/null | grep -v "^.lock$")"
'

test_expect_success 'malformed YAML from the mirror is refused' '
	fresh_home yaml &&
	copy_mirror bad-yaml &&
	printf -- "- flavor: [alpine-virt\n  version: : :\n" \
		>bad-yaml/latest-stable/releases/x86_64/latest-releases.yaml &&
	url=$(start_mirror bad-yaml yaml) &&
	AQ_MIRROR=$url expect_fail 1 "latest-releases.yaml.*line [0-9]+" aq new m1 &&
	test -z "$(vm_dirs)"
'

test_expect_success 'a corrupt image on the mirror is rejected and not kept' '
	fresh_home corrupt &&
	copy_mirror bad-image &&
	img=$(ls bad-image/v*/releases/cloud/*.qcow2) &&
	chmod u+w "$img" &&
	printf "corrupt" | dd of="$img" bs=1 seek=100000 conv=notrunc 2>/dev/null &&
	url=$(start_mirror bad-image corrupt) &&
	AQ_MIRROR=$url expect_fail 1 "$(basename "$img").*[0-9a-f]{128}.*[0-9a-f]{128}" aq new m1 &&
	test -z "$(vm_dirs)" &&
	test -z "$(ls "$AQ_HOME/images" | grep -v "^\.lock$")"
'

test_expect_success 'two aq new racing on an empty cache download once' '
	fresh_home race
	url=$(start_mirror "$MIRROR_DIR" race)
	(AQ_MIRROR=$url aq new r1 >r1.out 2>r1.err) &
	a=$!
	(AQ_MIRROR=$url aq new r2 >r2.out 2>r2.err) &
	b=$!
	wait $a && wait $b &&
	grep -qx "Created r1" r1.out && grep -qx "Created r2" r2.out &&
	test "$(grep -c "GET /v3.22/releases/cloud/nocloud_[^ ]*\.qcow2 " \
		"$TEST_TMP/mirror-race.log")" -eq 1 &&
	test "$(ls "$AQ_HOME"/images/*.qcow2 | wc -l)" -eq 1
'

test_expect_success 'QEMU failing to start shows its own message' '
	export AQ_HOME=$TEST_TMP/home-race &&
	cp "$AQ_HOME/vms/r1/disk.qcow2" disk.saved &&
	chmod u+w "$AQ_HOME/vms/r1/disk.qcow2" &&
	printf "garbage" >"$AQ_HOME/vms/r1/disk.qcow2" &&
	expect_fail 1 "cannot start .r1.: qemu failed \(exit 1\): .*qemu-system-x86_64: .*disk.qcow2" \
		aq start r1 &&
	aq ls | grep -Eq "^r1 +Stopped" &&
	cp disk.saved "$AQ_HOME/vms/r1/disk.qcow2"
'

test_expect_success 'a boot that never gets ready is explained, not hung' '
	export AQ_HOME=$TEST_TMP/home-race &&
	set +e
	aq start --timeout 1 r2 2>start.err
	status=$?
	set -e
	test $status -eq 1 &&
	grep -q "^aq: last lines of .*/r2/console.log:" start.err &&
	grep -q "did not answer SSH within 1s; it is still running" start.err &&
	grep -q "Hint (accelerator tcg)" start.err &&
	aq ls | grep -Eq "^r2 +Running" &&
	aq stop --force r2 2>/dev/null &&
	aq ls | grep -Eq "^r2 +Stopped"
'
