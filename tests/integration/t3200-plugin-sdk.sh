# The plugin SDK: make install's header and aq-plugin.pc build plugins
# outside the tree; the example fetch-local plugin, built that way and
# found through AQ_PLUGIN_PATH, serves a real aq new from a directory;
# a plugin of another ABI version is refused.  No VM boots.

builddir=$(dirname "$(command -v aq)")
prefix=$TEST_TMP/prefix
san=
case $builddir in *-san) san=1 ;; esac

test_expect_success 'make install puts the ABI header and aq-plugin.pc in PREFIX' '
	make -s -C "$TOP" install PREFIX="$prefix" BUILD="$builddir" \
		SANITIZE="$san" >install.log 2>&1 &&
	test -f "$prefix/include/aq/plugin.h" &&
	cmp "$prefix/include/aq/plugin.h" "$TOP/core/include/aq/plugin.h" &&
	test -f "$prefix/share/man/man5/aq-image.5" &&
	test -f "$prefix/share/aq/PLUGINS.md" &&
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig" &&
	pkg-config --cflags aq-plugin | grep -qx -- "-I$prefix/include *" &&
	test "$(pkg-config --variable=plugindir aq-plugin)" = "$prefix/lib/aq/plugins" &&
	test "$(pkg-config --modversion aq-plugin)" = "$(aq --version | sed "s/^aq \([^ ]*\) .*/\1/")"
'

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

test_expect_success 'the one-line build of the issue makes a loadable plugin' '
	mkdir hello &&
	cat >hello/hello.c <<-\EOF &&
	#include <aq/plugin.h>
	const struct aq_plugin aq_plugin = {
		.abi_version = AQ_PLUGIN_ABI_VERSION, .name = "hello",
		.concern = AQ_CONCERN_NET, .description = "says hello" };
	EOF
	(cd hello && cc $(pkg-config --cflags aq-plugin) -shared -fPIC hello.c -o net-hello.so) &&
	printf "[plugins]\nnet = net-hello\n" >"$AQ_CONFIG" &&
	AQ_PLUGIN_PATH=$PWD/hello aq plugins >out &&
	grep -Eq "^net +hello +1 +$PWD/hello/net-hello.so$" out &&
	rm "$AQ_CONFIG"
'

test_expect_success 'the example plugin builds out of tree with its Makefile' '
	cp -R "$prefix/share/aq/examples/fetch-local" ext &&
	make -C ext >build.log 2>&1 &&
	grep -q -- "-I$prefix/include" build.log &&
	! grep -q -- "$TOP/core" build.log &&
	test -f ext/fetch-local.so &&
	nm -D --defined-only ext/fetch-local.so | grep -q " aq_plugin$"
'

# The base images, as downloaded elsewhere, in a local directory.
mkdir -p images
cp "$MIRROR_DIR"/v*/releases/cloud/nocloud_alpine-*.qcow2 \
	"$MIRROR_DIR"/v*/releases/cloud/nocloud_alpine-*.qcow2.sha512 images/
cat >"$TEST_TMP/local.ini" <<EOF
[plugins]
fetch = fetch-local

[fetch-local]
dir = $TEST_TMP/images
EOF

test_expect_success 'aq plugins shows the configured plugin' '
	AQ_CONFIG=$TEST_TMP/local.ini AQ_PLUGIN_PATH=$PWD/ext aq plugins >out &&
	grep -Eq "^fetch +local +1 +$PWD/ext/fetch-local.so$" out &&
	grep -Eq "^disk +[a-z-]+ +1 +$builddir/plugins/disk-qemu.so$" out
'

test_expect_success 'a real aq new takes its base image from the directory' '
	gets=$(mirror_gets qcow2) &&
	AQ_CONFIG=$TEST_TMP/local.ini AQ_PLUGIN_PATH=$PWD/ext \
		AQ_MIRROR=http://127.0.0.1:9/unused aq new air1 >out 2>err &&
	test "$(cat out)" = "Created air1" &&
	grep -q "copying nocloud_alpine-.*-x86_64-bios-tiny-r0.qcow2 from $TEST_TMP/images" err &&
	test "$(mirror_gets qcow2)" = "$gets" &&
	img=$(sed -n "s/^image = //p" "$AQ_HOME/vms/air1/vm.ini") &&
	test "$img" = "$AQ_HOME/images/$(cd images && ls *.qcow2)" &&
	cmp "$img" images/*.qcow2 &&
	test "$(stat -c %a "$img")" = 444 &&
	grep -q "$(cut -c1-128 images/*.sha512)  " "$img.sha512" &&
	qemu-img info "$AQ_HOME/vms/air1/disk.qcow2" | grep -q "backing file: $img"
'

test_expect_success 'a second aq new uses the cached copy' '
	AQ_CONFIG=$TEST_TMP/local.ini AQ_PLUGIN_PATH=$PWD/ext aq new air2 >out 2>err &&
	test "$(cat out)" = "Created air2" &&
	! grep -q copying err &&
	aq images | grep -q "^nocloud_alpine-"
'

test_expect_success 'an image that does not match its .sha512 is refused' '
	mkdir bad &&
	cp images/*.qcow2 bad/ &&
	name=$(cd bad && ls) &&
	printf "%0128d  %s\n" 0 "$name" >"bad/$name.sha512" &&
	sed "s|^dir = .*|dir = $PWD/bad|" local.ini >bad.ini &&
	rm -rf "$AQ_HOME/images" &&
	before=$(vm_dirs) &&
	expect_fail 1 "^aq: cannot create .air3.: .*/bad/$name. does not match its .sha512 \(got [0-9a-f]{16}\.\.\., want 0{16}\.\.\.\)$" \
		env AQ_CONFIG=$PWD/bad.ini AQ_PLUGIN_PATH=$PWD/ext aq -q new air3 &&
	test "$(vm_dirs)" = "$before" &&
	test -z "$(ls "$AQ_HOME/images" | grep qcow2)"
'

test_expect_success 'fetch-local says what is missing' '
	printf "[plugins]\nfetch = fetch-local\n" >nodir.ini &&
	expect_fail 1 "^aq: cannot create .air4.: no image directory: set dir in \[fetch-local\] of the config, or AQ_LOCAL_IMAGES$" \
		env AQ_CONFIG=$PWD/nodir.ini AQ_PLUGIN_PATH=$PWD/ext aq new air4 &&
	mkdir empty &&
	expect_fail 1 "^aq: cannot create .air4.: no x86_64 bios-tiny image in .$PWD/empty." \
		env AQ_CONFIG=$PWD/nodir.ini AQ_LOCAL_IMAGES=$PWD/empty \
		AQ_PLUGIN_PATH=$PWD/ext aq new air4 &&
	test ! -e "$AQ_HOME/vms/air4"
'

test_expect_success 'a plugin section that belongs to no plugin is refused' '
	printf "[plugins]\nfetch = fetch-local\n\n[fetch-locale]\ndir = /x\n" >typo.ini &&
	expect_fail 1 "^aq: $PWD/typo.ini:5: unknown section \[fetch-locale\] \(neither aq.s nor a plugin.s named in \[plugins\]\)$" \
		env AQ_CONFIG=$PWD/typo.ini aq ls
'

test_expect_success 'a plugin built for another ABI version is refused' '
	mkdir old &&
	cat >old/fetch-old.c <<-\EOF &&
	#include <aq/plugin.h>
	const struct aq_plugin aq_plugin = {
		.abi_version = AQ_PLUGIN_ABI_VERSION + 1, .name = "old",
		.concern = AQ_CONCERN_FETCH, .description = "from the future" };
	EOF
	(cd old && cc $(pkg-config --cflags aq-plugin) -shared -fPIC fetch-old.c -o fetch-old.so) &&
	printf "[plugins]\nfetch = fetch-old\n" >old.ini &&
	want=$(($(aq --version | sed "s/.*plugin ABI \([0-9]*\).*/\1/") + 1)) &&
	before=$(vm_dirs) &&
	expect_fail 1 "^aq: cannot create .air5.: plugin .$PWD/old/fetch-old.so. was built for ABI version $want, this aq needs version $((want - 1))$" \
		env AQ_CONFIG=$PWD/old.ini AQ_PLUGIN_PATH=$PWD/old aq new air5 &&
	test "$(vm_dirs)" = "$before"
'
