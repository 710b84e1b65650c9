# aq tap: real git repositories made here (git init, commits, branches),
# cloned and fast-forwarded by aq through libgit2.  No VM boots.

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
git config --global init.defaultBranch main
git config --global protocol.file.allow always

taps=$AQ_HOME/taps

# commit_file REPO PATH TEXT: write a file and commit it.
commit_file() {
	mkdir -p "$(dirname "$1/$2")" &&
	printf '%s\n' "$3" >"$1/$2" &&
	git -C "$1" add "$2" &&
	git -C "$1" commit -qm "$2"
}

# The taps directory apart from its lock file.
tap_entries() {
	ls -A "$taps" 2>/dev/null | grep -v '^\.lock$' | sort | tr '\n' ' '
}

test_expect_success 'setup: a repository with one image definition' '
	git init -q tools &&
	commit_file tools images/web.ini "[image]
description = a web server" &&
	git -C tools rev-parse --short=12 HEAD >first
'

test_expect_success 'add by path clones the tap and names its commit' '
	aq tap add lab/tools tools >out &&
	test "$(cat out)" = "Tapped lab/tools at $(cat first) (1 image)" &&
	test -f "$taps/lab/tools/images/web.ini" &&
	test "$(git -C "$taps/lab/tools" rev-parse --short=12 HEAD)" = "$(cat first)"
'

test_expect_success 'add by file:// URL; an aq- prefix is dropped' '
	aq tap add lab/aq-mirror "file://$PWD/tools" >out &&
	grep -q "^Tapped lab/mirror at " out &&
	test -d "$taps/lab/mirror/.git"
'

test_expect_success 'tap lists name, URL, commit and images' '
	aq tap >out &&
	head -n1 out | grep -Eq "^TAP +URL +COMMIT +IMAGES$" &&
	grep -Eq "^lab/tools +$PWD/tools +$(cat first) +web$" out &&
	grep -Eq "^lab/mirror +file://$PWD/tools +$(cat first) +web$" out
'

test_expect_success 'update after a new commit fast-forwards' '
	commit_file tools images/db.ini "[image]" &&
	new=$(git -C tools rev-parse --short=12 HEAD) &&
	aq tap update lab/tools >out &&
	test "$(cat out)" = "Updated lab/tools: $(cat first)..$new" &&
	test -f "$taps/lab/tools/images/db.ini" &&
	aq tap update lab/tools >out &&
	test "$(cat out)" = "lab/tools is up to date at $new"
'

test_expect_success 'update without a name updates every tap' '
	aq tap update >out &&
	grep -q "^lab/tools is up to date" out &&
	grep -q "^Updated lab/mirror: " out &&
	aq tap | grep -Eq "^lab/mirror .* db, web$"
'

test_expect_success 'update of a diverged tap is refused, checkout intact' '
	commit_file "$taps/lab/tools" images/local.ini "[image]" &&
	here=$(git -C "$taps/lab/tools" rev-parse HEAD) &&
	commit_file tools images/upstream.ini "[image]" &&
	expect_fail 1 "^aq: cannot update tap .lab/tools.: its history diverged from .$PWD/tools. \(1 local and 1 new commits\): left at [0-9a-f]{12}$" \
		aq tap update lab/tools &&
	test "$(git -C "$taps/lab/tools" rev-parse HEAD)" = "$here" &&
	test -f "$taps/lab/tools/images/local.ini" &&
	test ! -e "$taps/lab/tools/images/upstream.ini" &&
	git -C "$taps/lab/tools" diff --quiet HEAD
'

test_expect_success 'a diverged tap does not stop the others updating' '
	set +e; aq tap update >out 2>err; rc=$?; set -e &&
	test "$rc" -eq 1 &&
	grep -q "^Updated lab/mirror: " out &&
	grep -q "diverged" err
'

test_expect_success 'update with local commits only says so and keeps them' '
	git -C "$taps/lab/mirror" pull -q --ff-only &&
	commit_file "$taps/lab/mirror" images/mine.ini "[image]" &&
	aq tap update lab/mirror >out 2>err &&
	grep -q "^aq: warning: tap .lab/mirror. has 1 local commit(s) not in " err &&
	test -f "$taps/lab/mirror/images/mine.ini"
'

test_expect_success 'update refuses to overwrite a locally edited file' '
	git init -q edits &&
	commit_file edits images/a.ini "[image]" &&
	aq tap add lab/edits edits >/dev/null &&
	echo "# mine" >"$taps/lab/edits/images/a.ini" &&
	commit_file edits images/a.ini "[image]
description = new" &&
	expect_fail 1 "^aq: cannot update tap .lab/edits.: local changes are in the way: cannot check out the new commit of .*: 1 conflict prevents checkout$" \
		aq tap update lab/edits &&
	test "$(cat "$taps/lab/edits/images/a.ini")" = "# mine"
'

test_expect_success 'update of a tap whose remote went away keeps it' '
	git clone -q --bare edits gone.git &&
	aq tap add lab/gone "$PWD/gone.git" >/dev/null &&
	rm -rf gone.git &&
	expect_fail 1 "^aq: cannot update tap .lab/gone.: cannot fetch .$PWD/gone.git.: " \
		aq tap update lab/gone &&
	test -f "$taps/lab/gone/images/a.ini"
'

test_expect_success 'a tap follows the branch it was cloned on' '
	git init -q branchy &&
	commit_file branchy images/a.ini "[image]" &&
	git -C branchy checkout -q -b stable &&
	commit_file branchy images/b.ini "[image]" &&
	aq tap add lab/branchy branchy >/dev/null &&
	test "$(git -C "$taps/lab/branchy" symbolic-ref --short HEAD)" = stable &&
	git -C branchy checkout -q main &&
	commit_file branchy images/main-only.ini "[image]" &&
	git -C branchy checkout -q stable &&
	commit_file branchy images/c.ini "[image]" &&
	aq tap update lab/branchy >/dev/null &&
	test -f "$taps/lab/branchy/images/c.ini" &&
	test ! -e "$taps/lab/branchy/images/main-only.ini"
'

test_expect_success 'a tap without images is added, with a warning' '
	git init -q noimages &&
	commit_file noimages README "nothing here" &&
	aq tap add lab/noimages noimages >out 2>err &&
	grep -q "^Tapped lab/noimages at [0-9a-f]* (0 images)$" out &&
	grep -qx "aq: warning: tap .lab/noimages. has no image definitions (images/NAME.ini)" err &&
	aq tap rm lab/noimages >/dev/null
'

# A git daemon, so that libgit2 clones over a network transport.
mkdir -p srv
git clone -q --bare tools srv/tools.git
daemon_port=$(free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$daemon_port" \
	--export-all --base-path="$PWD/srv" "$PWD/srv" >daemon.log 2>&1 &
daemon_pid=$!
for _ in $(seq 50); do
	git ls-remote "git://127.0.0.1:$daemon_port/tools.git" >/dev/null 2>&1 &&
		break
	sleep 0.1
done

test_expect_success 'a network clone draws progress on a terminal only' '
	url=git://127.0.0.1:$daemon_port/tools.git &&
	script -qec "aq tap add net/tools $url" /dev/null >tty.out &&
	tr "\r" "\n" <tty.out | grep -Eq "^aq: cloning $url: 100% \([0-9]+/[0-9]+ objects, [0-9]+ KiB\)" &&
	grep -q "^Tapped net/tools at " tty.out &&
	aq tap add net/quiet "$url" >out 2>err &&
	test ! -s err &&
	aq tap update net/quiet >/dev/null 2>err &&
	test ! -s err &&
	aq tap rm net/tools net/quiet >/dev/null
'

kill "$daemon_pid" 2>/dev/null

test_expect_success 'rm removes the tap' '
	aq tap rm lab/mirror lab/gone lab/branchy >out &&
	grep -qx "Untapped lab/mirror" out &&
	test ! -e "$taps/lab/mirror" &&
	! aq tap | grep -q "^lab/mirror "
'

test_expect_success 'rm of a missing tap is refused' '
	expect_fail 1 "^aq: cannot remove tap .lab/none.: no tap named .lab/none. \(see .aq tap.\)$" \
		aq tap rm lab/none
'

test_expect_success 'add of an existing tap is refused' '
	expect_fail 1 "^aq: cannot add tap .lab/tools.: tap .lab/tools. already exists" \
		aq tap add lab/tools tools
'

test_expect_success 'add of a bad file:// URL leaves nothing behind' '
	before=$(tap_entries) &&
	expect_fail 1 "^aq: cannot add tap .bad/one.: cannot clone .file:///nonexistent/repo.: .*nonexistent" \
		aq tap add bad/one file:///nonexistent/repo &&
	test "$(tap_entries)" = "$before"
'

test_expect_success 'add of an unreachable URL leaves nothing behind' '
	port=$(free_port) &&
	expect_fail 1 "^aq: cannot add tap .bad/two.: cannot clone .http://127.0.0.1:$port/x.git.: .*refused" \
		aq tap add bad/two "http://127.0.0.1:$port/x.git" &&
	test "$(tap_entries)" = "lab "
'

test_expect_success 'add of a directory that is no repository leaves nothing' '
	mkdir plain &&
	expect_fail 1 "^aq: cannot add tap .bad/three.: cannot clone .$PWD/plain.: " \
		aq tap add bad/three plain &&
	expect_fail 1 "^aq: cannot add tap .bad/four.: cannot use .$PWD/missing.: No such file or directory$" \
		aq tap add bad/four missing &&
	test "$(tap_entries)" = "lab "
'

test_expect_success 'without a URL a tap comes from github.com/USER/aq-REPO' '
	expect_fail 1 "^aq: cannot add tap .example/tools.: cannot clone .https://github.com/example/aq-tools.: " \
		aq tap add example/tools &&
	test "$(tap_entries)" = "lab "
'

test_expect_success 'bad tap names and subcommands are usage errors' '
	expect_fail 2 "^aq: cannot add tap: invalid tap name .nouser.: use USER/REPO$" \
		aq tap add nouser &&
	expect_fail 2 "invalid tap name .a/.hidden." aq tap add a/.hidden &&
	expect_fail 2 "invalid tap name .a/b/c." aq tap add a/b/c &&
	expect_fail 2 "^aq: .frob. is not a tap command" aq tap frob
'
