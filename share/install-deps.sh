#!/bin/sh
# Install what aq needs to build, run and test on Debian 12 (bookworm).
#
# QEMU comes from bookworm-backports (10.x); bookworm itself has 7.2,
# which lacks the migration features aq's live snapshots use.
# Run as root (or through sudo). Safe to run again.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi

. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
list=/etc/apt/sources.list.d/aq-backports.list
if ! grep -rqs "$codename-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "deb http://deb.debian.org/debian $codename-backports main" >"$list"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q

# Build: compiler, pkg-config and the libraries aq links.
build="build-essential pkg-config libcurl4-openssl-dev libgit2-dev
	libinih-dev libjansson-dev libarchive-dev libyaml-dev libssl-dev"
# Run: QEMU, qemu-img and the OpenSSH client aq drives.
run="openssh-client"
backports="qemu-system-x86 qemu-utils"
# Test: the unit test framework, the tools that build the test guest and
# check the seed, a loopback web server, git for tap fixtures, clang for
# fuzz targets and sanitizers.
test="libcmocka-dev genisoimage shellcheck busybox-static extlinux
	syslinux-common e2fsprogs kmod cpio xz-utils git python3
	clang llvm netcat-openbsd tmux socat"

# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $build $run $test
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends -t "$codename-backports" $backports

# Test: sshd, which tests/unit/test_exec_ssh.c runs on a loopback port as
# the peer of the ssh exec plugin.  Only the binary is needed: when this
# install is what brings sshd in, its system service is left disabled.
if ! dpkg -s openssh-server >/dev/null 2>&1; then
	apt-get install -y -q --no-install-recommends openssh-server
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now ssh >/dev/null 2>&1 || true
	fi
fi

# Test: tests/image/build-mirror.sh reads the guest programs' NEEDED
# libraries with readelf (binutils); tests/image/smoke.sh writes a FAT seed
# labelled CIDATA with mtools (no loop mount needed).
apt-get install -y -q --no-install-recommends binutils mtools
