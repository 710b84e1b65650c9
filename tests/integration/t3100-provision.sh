# First-boot provisioning on real VMs of the test image: a tap image with
# a directory overlay, an apkovl tarball, packages and a script; a
# one-off --provision script; a failing script reported by aq start.
# Two VMs, booted side by side, each twice.
#
# The test image has no apk and these machines no network to Alpine's
# repositories: that the packages reach the guest is checked on the seed
# and in the provisioning log ("no apk in this guest"), not by installing.

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
git config --global init.defaultBranch main

test_expect_success 'setup: a tap with a good and a failing image' '
	git init -q lab &&
	mkdir -p lab/images lab/web/etc/web/conf.d lab/web/usr/local/bin \
		lab/scripts ovl/etc/secret ovl/var/www &&
	cat >lab/images/web.ini <<-EOF &&
	[image]
	description = provisioned web server
	[defaults]
	memory = 256M
	[provision]
	packages = nginx curl
	overlay = web
	overlay = web.apkovl.tar.gz
	script = scripts/web.sh
	EOF
	echo "listen 80;" >lab/web/etc/web/web.conf &&
	echo "gzip on;" >lab/web/etc/web/conf.d/gzip.conf &&
	printf "#!/bin/sh\necho hello from the overlay\n" \
		>lab/web/usr/local/bin/hello &&
	chmod 755 lab/web/usr/local/bin/hello &&
	ln -s web.conf lab/web/etc/web/current &&
	echo key >ovl/etc/secret/key && chmod 600 ovl/etc/secret/key &&
	chmod 700 ovl/etc/secret && echo page >ovl/var/www/index.html &&
	tar -czf lab/web.apkovl.tar.gz -C ovl --owner=0 --group=0 etc var &&
	cat >lab/scripts/web.sh <<-\EOF &&
	#!/bin/sh
	# Sees the overlay already in place.
	test -f /etc/web/web.conf || exit 9
	date >>/var/lib/web-script-runs
	echo "web script ran in $(pwd)"
	EOF
	cat >lab/images/broken.ini <<-EOF &&
	[image]
	description = its script fails
	[defaults]
	memory = 256M
	[provision]
	script = scripts/broken.sh
	EOF
	printf "echo starting the broken part\necho it went wrong >&2\nexit 3\n" \
		>lab/scripts/broken.sh &&
	git -C lab add -A && git -C lab commit -qm images &&
	aq tap add lab/x lab >/dev/null &&
	printf "echo extra >>/var/lib/extra-runs\n" >extra.sh &&
	aq new --image lab/x/web --provision extra.sh p1 >/dev/null &&
	aq new --image broken p2 >/dev/null
'

test_expect_success 'first boot: start reports a failed script, not a fine VM' '
	aq -q start p1 >p1.out 2>p1.err &
	p1=$! &&
	set +e; aq -q start p2 >p2.out 2>p2.err; rc2=$?; set -e &&
	wait $p1 &&
	test "$rc2" -eq 1 &&
	grep -Eqx "aq: .p2. started, but provisioning failed \(the image.s script exited 3\): starting the broken part \| it went wrong \(log: /var/log/aq-provision.log\)" p2.err &&
	test "$(grep -c . p2.err)" -eq 1 &&
	test ! -s p1.err &&
	aq ls | grep -Eq "^p2 +Running"
'

test_expect_success 'the failure is recorded in the guest' '
	test "$(aq exec p2 cat /var/lib/aq/provision.status)" = "3 aq-provision.sh" &&
	aq exec p2 cat /var/log/aq-provision.log >log &&
	grep -qx "it went wrong" log &&
	grep -qx "aq-provision: aq-provision.sh failed with exit status 3" log
'

test_expect_success 'the overlay directory is on the guest with its modes' '
	aq exec p1 -- stat -c "%a %U:%G %n" /etc/web/web.conf \
		/etc/web/conf.d/gzip.conf /usr/local/bin/hello /etc/web/conf.d >modes &&
	grep -qx "644 root:root /etc/web/web.conf" modes &&
	grep -qx "644 root:root /etc/web/conf.d/gzip.conf" modes &&
	grep -qx "755 root:root /usr/local/bin/hello" modes &&
	grep -qx "755 root:root /etc/web/conf.d" modes &&
	test "$(aq exec p1 readlink /etc/web/current)" = web.conf &&
	test "$(aq exec p1 hello)" = "hello from the overlay"
'

test_expect_success 'the apkovl tarball is unpacked with its modes' '
	aq exec p1 -- stat -c "%a %U %n" /etc/secret /etc/secret/key \
		/var/www/index.html >modes &&
	grep -qx "700 root /etc/secret" modes &&
	grep -qx "600 root /etc/secret/key" modes &&
	grep -qx "644 root /var/www/index.html" modes &&
	test "$(aq exec p1 stat -c %a /root)" = 700
'

test_expect_success 'the scripts ran once, the image script first' '
	test "$(aq exec p1 cat /var/lib/web-script-runs | grep -c .)" -eq 1 &&
	test "$(aq exec p1 cat /var/lib/extra-runs)" = extra &&
	aq exec p1 cat /var/log/aq-provision.log >log &&
	grep -qx "web script ran in /" log &&
	test "$(grep -n "running aq-provision.sh" log | cut -d: -f1)" -lt \
		"$(grep -n "running aq-provision-extra.sh" log | cut -d: -f1)" &&
	test "$(aq exec p1 cat /var/lib/aq/provision.status)" = "0 none"
'

test_expect_success 'the packages reached the first-boot script (no apk here)' '
	grep -qx "aq-provision: no apk in this guest: not installing nginx curl" log &&
	isoinfo -J -i "$AQ_HOME/vms/p1/seed.iso" -x /aq-packages >pkgs &&
	test "$(cat pkgs)" = "nginx curl"
'

test_expect_success 'second boot: nothing runs again, nothing is reported' '
	aq tap rm lab/x >/dev/null
	aq -q stop p1
	aq -q stop p2
	aq -q start p1 2>p1.err &
	p1=$!
	aq -q start p2 2>p2.err &&
	wait $p1 &&
	test ! -s p1.err && test ! -s p2.err &&
	test "$(aq exec p1 cat /var/lib/web-script-runs | grep -c .)" -eq 1 &&
	test "$(aq exec p1 cat /var/lib/extra-runs | grep -c .)" -eq 1 &&
	test "$(aq exec p2 cat /var/lib/aq/provision.status)" = "3 aq-provision.sh"
'
