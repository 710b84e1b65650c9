# aq cp: files and directories both ways over SSH, modes kept, errors.
# (What a hostile guest's archive cannot do is in tests/unit/test_untar.c:
# busybox sh runs its own tar, so a test guest cannot fake one.)

mode() {
	stat -c %a "$1"
}

gmode() {
	aq exec box -- stat -c %a "$1"
}

long=tree/$(printf "%0120d" 0)

test_expect_success 'local files to copy' '
	mkdir -p tree/sub/deeper &&
	echo conf >app.conf && chmod 640 app.conf &&
	echo run >tree/run.sh && chmod 751 tree/run.sh &&
	echo deep >tree/sub/deeper/file && chmod 600 tree/sub/deeper/file &&
	chmod 710 tree/sub &&
	ln -s run.sh tree/link &&
	echo long >"$long" &&
	echo spaced >"with space.txt" &&
	aq new box && aq start box
'

test_expect_success 'a file into a guest directory keeps its mode' '
	aq exec box -- mkdir -p /etc/app &&
	aq cp ./app.conf box:/etc/app/ &&
	test "$(aq exec box -- cat /etc/app/app.conf)" = conf &&
	test "$(gmode /etc/app/app.conf)" = 640 &&
	test "$(aq exec box -- stat -c %U /etc/app/app.conf)" = root
'

test_expect_success 'a file to a new name, and over an existing file' '
	aq cp app.conf box:/root/renamed &&
	test "$(aq exec box -- cat /root/renamed)" = conf &&
	echo newer >app.conf &&
	aq cp app.conf box:/root/renamed &&
	test "$(aq exec box -- cat /root/renamed)" = newer &&
	aq cp "with space.txt" box: &&
	test "$(aq exec box -- cat "/root/with space.txt")" = spaced
'

test_expect_success 'a directory with -r: modes, links, long names' '
	aq cp -r tree box:/root/ &&
	test "$(gmode /root/tree/run.sh)" = 751 &&
	test "$(gmode /root/tree/sub)" = 710 &&
	test "$(gmode /root/tree/sub/deeper/file)" = 600 &&
	test "$(aq exec box -- readlink /root/tree/link)" = run.sh &&
	test "$(aq exec box -- cat /root/$long)" = long &&
	aq cp -r tree box:/root/copy &&
	test "$(aq exec box -- cat /root/copy/sub/deeper/file)" = deep
'

test_expect_success 'several sources into one guest directory' '
	aq cp app.conf "with space.txt" box:/etc/app &&
	aq exec box -- test -f "/etc/app/with space.txt"
'

test_expect_success 'from the guest: a file, a new name, a directory' '
	aq exec box -- "mkdir -p /var/log/x && echo logged >/var/log/x/y &&
		chmod 604 /var/log/x/y" &&
	mkdir -p back &&
	aq cp box:/var/log/x/y back/ &&
	test "$(cat back/y)" = logged && test "$(mode back/y)" = 604 &&
	aq cp box:/var/log/x/y back/z &&
	test "$(cat back/z)" = logged &&
	aq cp -r box:/root/tree back/ &&
	diff -r tree back/tree &&
	test "$(mode back/tree/run.sh)" = 751 &&
	test "$(mode back/tree/sub)" = 710 &&
	test "$(readlink back/tree/link)" = run.sh &&
	aq cp -r box:/root/tree back/again &&
	diff -r tree back/again
'

test_expect_success 'cp errors: missing sources, directories, wrong sides' '
	expect_fail 1 "cannot copy .\./nope.: No such file or directory" \
		aq cp ./nope box:/root/ &&
	expect_fail 1 "cannot copy .box:/nope.: no such file or directory in .box." \
		aq cp box:/nope back/ &&
	expect_fail 1 "cannot copy .tree.: it is a directory \(use -r\)" \
		aq cp tree box:/root/ &&
	expect_fail 1 "cannot copy .box:/root/tree.: it is a directory \(use -r\)" \
		aq cp box:/root/tree back/ &&
	expect_fail 1 "no such directory in .box.: ./nodir/x." \
		aq cp app.conf box:/nodir/x &&
	expect_fail 1 "cannot copy to .back/none/.: no such directory" \
		aq cp box:/var/log/x/y back/none/ &&
	expect_fail 1 "./root/renamed. in .box. is not a directory" \
		aq cp app.conf tree/run.sh box:/root/renamed &&
	expect_fail 2 "one side is NAME:PATH" aq cp app.conf other.conf &&
	expect_fail 2 "usage: aq cp" aq cp app.conf &&
	expect_fail 1 "cannot copy to .ghost.: no VM named .ghost." \
		aq cp app.conf ghost:/root/ &&
	test ! -e back/none
'

test_expect_success 'a stopped VM is named as such' '
	aq stop --force box &&
	expect_fail 1 "cannot copy from .box.: .box. is not running" \
		aq cp box:/etc/hostname . &&
	expect_fail 1 "cannot copy to .box.: .box. is not running" \
		aq cp app.conf box:/root/
'
