# Image definitions from taps: lookup, what aq new puts on the seed, and
# every refusal with file, line and reason.  No VM boots (t3100 does).

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
git config --global init.defaultBranch main

taps=$AQ_HOME/taps

# seed_file VM NAME: a file of VM's seed.
seed_file() {
	isoinfo -J -i "$AQ_HOME/vms/$1/seed.iso" -x "/$2"
}

commit_all() {
	git -C "$1" add -A && git -C "$1" commit -qm "${2:-change}"
}

test_expect_success 'setup: a tap with a full image definition' '
	git init -q lab &&
	mkdir -p lab/images lab/overlays/web/etc/web lab/overlays/web/usr/local/bin \
		lab/scripts apkovl/etc/secret &&
	cat >lab/images/web.ini <<-EOF &&
	# A web server.
	[image]
	description = a web server
	[defaults]
	memory = 256M
	disk = 3G
	forward = 18080:80
	forward = 18443:443
	[provision]
	packages = nginx curl
	packages = jq
	overlay = overlays/web
	overlay = web.apkovl.tar.gz
	script = scripts/web.sh
	EOF
	echo "listen 80;" >lab/overlays/web/etc/web/web.conf &&
	printf "#!/bin/sh\necho hi\n" >lab/overlays/web/usr/local/bin/hi &&
	chmod 755 lab/overlays/web/usr/local/bin/hi &&
	echo secret >apkovl/etc/secret/key && chmod 600 apkovl/etc/secret/key &&
	chmod 700 apkovl/etc/secret &&
	tar -czf lab/web.apkovl.tar.gz -C apkovl --owner=0 --group=0 etc &&
	printf "#!/bin/sh\necho web setup\n" >lab/scripts/web.sh &&
	printf "[image]\ndescription = bare\n" >lab/images/bare.ini &&
	commit_all lab &&
	aq tap add lab/x lab >/dev/null
'

test_expect_success 'images lists built-in and tapped definitions' '
	aq images >out &&
	grep -Eq "^alpine +Alpine Linux" out &&
	grep -Eq "^lab/x/web +a web server$" out &&
	grep -Eq "^lab/x/bare +bare$" out &&
	grep -q "^CACHED IMAGE" out
'

test_expect_success 'new --image TAP/NAME takes its resources and forwards' '
	aq new --image lab/x/web -p 8081:80 w1 >out &&
	test "$(cat out)" = "Created w1" &&
	ini=$AQ_HOME/vms/w1/vm.ini &&
	grep -qx "definition = lab/x/web" "$ini" &&
	grep -qx "memory = 256" "$ini" &&
	grep -qx "disk = 3221225472" "$ini" &&
	grep -qx "forward = 127.0.0.1:8081:80/tcp" "$ini" &&
	grep -qx "forward = 127.0.0.1:18443:443/tcp" "$ini" &&
	! grep -q "18080" "$ini" &&
	test -f "$AQ_HOME/vms/w1/provision.pending"
'

test_expect_success 'the seed carries packages, overlay and script' '
	seed_file w1 aq-packages >pkgs &&
	test "$(cat pkgs)" = "nginx curl jq" &&
	seed_file w1 aq-overlay.tar.gz | tar -tzvf - >list &&
	grep -Eq "^-rw-r--r-- root/root .* etc/web/web.conf$" list &&
	grep -Eq "^-rwxr-xr-x root/root .* usr/local/bin/hi$" list &&
	grep -Eq "^-rw------- root/root .* etc/secret/key$" list &&
	grep -Eq "^drwx------ root/root .* etc/secret/$" list &&
	seed_file w1 aq-provision.sh >script &&
	cmp script lab/scripts/web.sh &&
	seed_file w1 user-data >user &&
	shellcheck -s sh user &&
	grep -q "apk add \$aq_packages" user
'

test_expect_success 'new --image NAME finds the one tap that has it' '
	aq new --image bare b1 >/dev/null &&
	grep -qx "definition = lab/x/bare" "$AQ_HOME/vms/b1/vm.ini" &&
	isoinfo -J -i "$AQ_HOME/vms/b1/seed.iso" -f >files &&
	test "$(sort files | tr "\n" " ")" = "/meta-data /user-data "
'

test_expect_success 'new --provision FILE puts a one-off script on the seed' '
	printf "echo once\n" >once.sh &&
	aq new --provision once.sh o1 >/dev/null &&
	seed_file o1 aq-provision-extra.sh >got &&
	cmp got once.sh &&
	grep -qx "definition = alpine" "$AQ_HOME/vms/o1/vm.ini"
'

test_expect_success 'new --provision with a missing file creates nothing' '
	before=$(vm_dirs) &&
	expect_fail 1 "^aq: cannot create .o2.: cannot use script: cannot read .*nothere.sh.: No such file or directory$" \
		aq new --provision nothere.sh o2 &&
	test "$(vm_dirs)" = "$before"
'

test_expect_success 'a name in two taps is refused, naming both' '
	git clone -q lab other &&
	aq tap add other/y other >/dev/null &&
	before=$(vm_dirs) &&
	expect_fail 1 "^aq: cannot create .c1.: image .web. is in 2 taps: name one of lab/x/web, other/y/web$" \
		aq new --image web c1 &&
	test "$(vm_dirs)" = "$before" &&
	aq new --image other/y/web -p 9080:80 -p 9443:443 c1 >/dev/null
'

test_expect_success 'missing images and taps are refused' '
	expect_fail 1 "^aq: cannot create a VM: no image named .nope., built in or in a tap \(see .aq images.\)$" \
		aq new --image nope &&
	expect_fail 1 "^aq: cannot create a VM: tap .lab/x. has no image .nope. \(it has: bare, web\)$" \
		aq new --image lab/x/nope &&
	expect_fail 1 "^aq: cannot create a VM: no tap named .no/tap. \(add it with .aq tap add no/tap.\)$" \
		aq new --image no/tap/web &&
	expect_fail 1 "^aq: cannot create a VM: invalid image name .a/b.: use NAME or USER/REPO/NAME$" \
		aq new --image a/b &&
	expect_fail 1 "invalid image name .\.\./x." aq new --image ../x
'

# bad_def TEXT LINE REASON: a definition bad.ini holding TEXT is refused
# by aq new with file, line and reason, and creates nothing.
bad_def() {
	printf "%s\n" "$1" >"$taps/lab/x/images/bad.ini" &&
	before=$(vm_dirs) &&
	expect_fail 1 "^aq: cannot create a VM: $taps/lab/x/images/bad.ini:$2: $3" \
		aq new --image lab/x/bad &&
	test "$(vm_dirs)" = "$before"
}

test_expect_success 'a definition with a syntax error is refused' '
	bad_def "[image]
description = x
this line is not ini" 3 "syntax error$"
'

test_expect_success 'an unknown key is an error, not ignored' '
	bad_def "[image]
description = x

[defaults]
cpu = 2" 5 "unknown key .cpu. in section \[defaults\]$" &&
	bad_def "[provisions]
script = x" 2 "unknown section \[provisions\]$"
'

test_expect_success 'bad values are refused with their line' '
	bad_def "[defaults]
cpus = many" 2 "invalid cpus .many.: .many. is not a number$" &&
	bad_def "[image]
variant = fat" 2 "invalid variant .fat.: use .tiny. or .cloudinit.$" &&
	bad_def "[defaults]
disk = 1K" 2 "invalid disk .1K.: use 64M to 64T$" &&
	bad_def "[provision]
packages = ok &&rm" 2 "invalid package .&&rm.$" &&
	bad_def "[provision]

overlay = ../../etc" 3 "invalid overlay .\.\./\.\./etc.: it may not leave the tap" &&
	bad_def "[provision]
script = /etc/passwd" 2 "invalid script ./etc/passwd.: give a path inside the tap" &&
	bad_def "[provision]
script = scripts/none.sh" 2 "invalid script .scripts/none.sh.: .*: No such file or directory$"
'

test_expect_success 'a path through a symlink out of the tap is refused' '
	ln -s /etc "$taps/lab/x/escape" &&
	bad_def "[provision]
overlay = escape" 2 "invalid overlay .escape.: .* is a symlink$" &&
	rm "$taps/lab/x/escape"
'

test_expect_success 'images warns of a broken definition and lists the rest' '
	printf "[image]\nbogus = 1\n" >"$taps/lab/x/images/bad.ini" &&
	aq images >out 2>err &&
	grep -Eq "^lab/x/web " out &&
	grep -q "^aq: warning: .*bad.ini:2: unknown key .bogus." err
'

test_expect_success 'rm of a tap leaves the VMs made from it' '
	rm -f "$taps/lab/x/images/bad.ini" &&
	aq tap rm lab/x >/dev/null &&
	aq ls | grep -q "^w1 " &&
	grep -qx "definition = lab/x/web" "$AQ_HOME/vms/w1/vm.ini" &&
	test -f "$AQ_HOME/vms/w1/seed.iso" &&
	expect_fail 1 "no tap named .lab/x." aq new --image lab/x/web
'
