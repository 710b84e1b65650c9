# Commands that need no VM: help, version, listing, plugins, usage errors.

test_expect_success 'version and help' '
	aq --version | grep -Eq "^aq [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\)$" &&
	aq help >help.out &&
	for c in new start stop console exec ssh ssh-config rm ls monitor \
		images pull plugins; do
		grep -q "^  $c " help.out || { echo "help lacks $c"; exit 1; }
	done &&
	aq start --help | grep -q "^usage: aq start" &&
	aq help exec | grep -q "^usage: aq exec"
'

test_expect_success 'unknown command and option are usage errors' '
	expect_fail 2 "^aq: .frobnicate. is not an aq command" aq frobnicate &&
	expect_fail 2 "^aq: unknown option .--bogus." aq --bogus &&
	expect_fail 2 "^aq: new: unknown option .--bogus." aq new --bogus x &&
	expect_fail 2 "^aq: new: option .-p. needs a value" aq new -p &&
	expect_fail 2 "^usage: aq start" aq start
'

test_expect_success 'ls on a fresh home prints only the header' '
	aq ls >ls.out &&
	test "$(wc -l <ls.out)" -eq 1 &&
	grep -Eq "^NAME +STATE +SSH +FORWARDS +CPUS +MEMORY +DISK$" ls.out &&
	test "$(aq ls --json | tr -d " \n")" = "[]"
'

test_expect_success 'plugins lists one plugin per concern' '
	aq plugins >plugins.out &&
	for c in fetch disk net console exec; do
		grep -Eq "^$c +[a-z-]+ +1 +/.*\.so$" plugins.out ||
			{ echo "no $c plugin"; cat plugins.out; exit 1; }
	done
'

test_expect_success 'a plugin built for another ABI version is refused' '
	cat >bad.c <<-\EOC &&
	#include "aq/plugin.h"
	const struct aq_plugin aq_plugin = { 99, "bad", AQ_CONCERN_NET, "x" };
	EOC
	cc -shared -fPIC -I"$TOP/core/include" -o bad.so bad.c &&
	printf "[plugins]\nnet = %s/bad.so\n" "$PWD" >"$AQ_CONFIG" &&
	expect_fail 1 "plugin .*/bad.so. was built for ABI version 99, this aq needs version 1" \
		aq new abi-test &&
	test -z "$(vm_dirs)" &&
	rm "$AQ_CONFIG"
'

test_expect_success 'a plugin found through AQ_PLUGIN_PATH wins' '
	mkdir -p plugdir &&
	cat >plugdir/net-user.c <<-\EOC &&
	#include "aq/plugin.h"
	const struct aq_plugin aq_plugin = { AQ_PLUGIN_ABI_VERSION, "mine",
		AQ_CONCERN_NET, "test" };
	EOC
	cc -shared -fPIC -I"$TOP/core/include" -o plugdir/net-user.so \
		plugdir/net-user.c &&
	AQ_PLUGIN_PATH=$PWD/plugdir aq plugins | grep -Eq "^net +mine +1 +$PWD/plugdir/net-user.so$"
'

test_expect_success 'a broken config file is refused with file and line' '
	printf "[aq]\nmirror = x\nspeed = 11\n" >"$AQ_CONFIG" &&
	expect_fail 1 "aq.ini:3: unknown key .speed. in section \[aq\]" aq ls &&
	printf "[aq\n" >"$AQ_CONFIG" &&
	expect_fail 1 "aq.ini:1: syntax error" aq ls &&
	rm "$AQ_CONFIG"
'
