#!/bin/bash
# Build the aq test guest and lay out an Alpine-like mirror tree around it.
#
#   tests/image/build-mirror.sh OUTDIR
#
# The guest stands in for Alpine's nocloud bios-tiny cloud image and keeps
# its contract (DESIGN.md sections 2 and 3).  It is made from Debian 12
# packages fetched with apt-get download, never installed on the host:
# Debian's cloud kernel with a small initramfs for its virtio modules,
# busybox as init and userland, OpenSSH's sshd, e2fsprogs' resize2fs and
# extlinux.  The result is cached under $AQ_TEST_CACHE (default
# ~/.cache/aq-test-image) by a hash of this directory, so only the first
# run builds.  Building needs root: extlinux installs on a loop mount.
set -euo pipefail

version=3.22.1
branch=v3.22
arch=x86_64
date=2025-07-15
time=13:47:39
image=nocloud_alpine-$version-$arch-bios-tiny-r0.qcow2
disk_mib=160
multiarch=x86_64-linux-gnu

packages="busybox-static openssh-server openssh-client e2fsprogs extlinux
	opendoas libpam-modules
	libc6 libcrypt1 libwrap0 libnsl2 libtirpc3 libaudit1 libcap-ng0
	libpam0g libsystemd0 libselinux1 libpcre2-8-0 libgssapi-krb5-2
	libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2
	libssl3 zlib1g liblzma5 libzstd1 liblz4-1 libcap2 libgcrypt20
	libgpg-error0 libext2fs2"

# Programs of the guest besides busybox (and the one PAM module doas
# needs), with the libraries they need found from their NEEDED entries.
programs="usr/sbin/sshd usr/bin/ssh-keygen usr/bin/scp sbin/resize2fs
	usr/bin/doas lib/$multiarch/security/pam_permit.so"

here=$(cd "$(dirname "$0")" && pwd)
mounted=
cache=${AQ_TEST_CACHE:-$HOME/.cache/aq-test-image}

die() {
	echo "build-mirror: $*" >&2
	exit 1
}

note() {
	echo "build-mirror: $*" >&2
}

# Every file of the recipe, by name, content and whether it is executable
# (smoke.sh and README.md do not shape the image, so they do not count).
recipe_hash() {
	(
		cd "$here"
		find . -type f ! -name smoke.sh ! -name README.md -perm -u+x |
			LC_ALL=C sort
		find . -type f ! -name smoke.sh ! -name README.md -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum
	) | sha256sum | cut -c1-16
}

# Download the candidate .deb of each package into $debs unless it is
# there already, and print the file names.
fetch_debs() {
	local uris file missing=()

	mkdir -p "$debs"
	uris=$(apt-get download --print-uris "$@") ||
		die "apt cannot find the packages (try apt-get update)"
	while read -r _ file _; do
		[ -s "$debs/$file" ] || missing+=("${file%%_*}")
	done <<<"$uris"
	if [ "${#missing[@]}" -gt 0 ]; then
		note "downloading ${missing[*]}"
		# The cache is usually private to root, where _apt cannot write.
		(cd "$debs" && apt-get -q -o APT::Sandbox::User=root \
			download "${missing[@]}" >&2) ||
			die "apt-get download failed (stale lists? try apt-get update)"
	fi
	while read -r _ file _; do
		[ -s "$debs/$file" ] || die "apt-get download did not give $file"
		echo "$file"
	done <<<"$uris"
}

# Copy the shared libraries the ELF files need from the extracted
# packages into the guest, recursively.
copy_libs() {
	local queue=("$@") f lib d src dst owner

	while [ "${#queue[@]}" -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for lib in $(readelf -d "$f" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			dst=$root/lib/$multiarch/$lib
			[ -e "$dst" ] && continue
			src=
			for d in lib/$multiarch usr/lib/$multiarch lib64 lib usr/lib; do
				if [ -e "$pool/$d/$lib" ]; then
					src=$pool/$d/$lib
					break
				fi
			done
			if [ -z "$src" ]; then
				owner=$(dpkg -S "*/$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
				die "${f#"$root"/} needs $lib, which no downloaded package" \
					"holds; add its package (${owner:-unknown}) to" \
					"\$packages in $0"
			fi
			cp -L "$src" "$dst"
			queue+=("$dst")
		done
	done
}

# The kernel modules the initramfs loads, dependencies first, as paths
# under $pool.
module_paths() {
	local m out

	grep -v '^#' "$here/modules.list" | while read -r m; do
		[ -n "$m" ] || continue
		out=$(modprobe -d "$pool" -S "$kver" --show-depends "$m") ||
			die "kernel $kver has no module $m"
		awk '$1 == "insmod" { print $2 }' <<<"$out"
	done | awk '!seen[$0]++'
}

make_root() {
	local d app f

	root=$work/root
	for d in bin sbin usr/bin usr/sbin lib/$multiarch lib64 dev proc sys \
		run tmp root home/alpine mnt boot var/lib/cloud var/log var/empty \
		var/spool/cron etc/ssh; do
		mkdir -p "$root/$d"
	done
	ln -s /run "$root/var/run"
	cp -a "$here/rootfs/." "$root/"
	chmod 755 "$root/etc/init.d/"* "$root/sbin/tiny-cloud" \
		"$root/usr/share/udhcpc/default.script" \
		"$root/etc/acpi/PWRF/00000080"
	chmod 600 "$root/etc/shadow" "$root/etc/doas.conf"
	chmod 700 "$root/root"
	chmod 1777 "$root/tmp"
	chown 1000:1000 "$root/home/alpine"
	ln -s /proc/mounts "$root/etc/mtab"
	: >"$root/etc/resolv.conf"

	for f in $programs; do
		[ -f "$pool/$f" ] || die "no $f in the downloaded packages"
		mkdir -p "$(dirname "$root/$f")"
		cp "$pool/$f" "$root/$f"
	done
	chmod 4755 "$root/usr/bin/doas"
	# shellcheck disable=SC2086
	(cd "$root" && copy_libs $programs)
	ln -s "/lib/$multiarch/ld-linux-x86-64.so.2" \
		"$root/lib64/ld-linux-x86-64.so.2"
	for f in $programs; do
		case "$f" in *.so) continue ;; esac
		d=$(readelf -l "$root/$f" |
			sed -n 's/.*interpreter: \(.*\)\]$/\1/p')
		[ -e "$root$d" ] || die "$f wants interpreter $d, not in the guest"
	done

	cp "$pool/bin/busybox" "$root/bin/busybox"
	for app in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$app" ] || [ -L "$root/$app" ] ||
			ln -s /bin/busybox "$root/$app"
	done

	cp "$pool/boot/vmlinuz-$kver" "$root/boot/vmlinuz-virt"
	make_initramfs >"$root/boot/initramfs-virt"
}

make_initramfs() {
	local ird=$work/initramfs mods m

	mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" \
		"$ird/lib/modules" "$ird/newroot"
	mknod -m 600 "$ird/dev/console" c 5 1
	cp "$pool/bin/busybox" "$ird/bin/busybox"
	ln -s busybox "$ird/bin/sh"
	cp "$here/initramfs-init" "$ird/init"
	chmod 755 "$ird/init"
	: >"$ird/modules"
	mods=$(module_paths)
	for m in $mods; do
		cp "$m" "$ird/lib/modules/"
		basename "$m" >>"$ird/modules"
	done
	[ -s "$ird/modules" ] || die "no kernel modules for the initramfs"
	(cd "$ird" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -9n
}

make_disk() {
	local raw=$work/disk.raw mnt=$work/mnt

	truncate -s "${disk_mib}M" "$raw"
	mke2fs -q -F -t ext4 -b 4096 -I 256 -i 16384 -L / -O ^64bit \
		-E root_owner=0:0 -d "$root" "$raw" ||
		die "mke2fs failed"
	mkdir -p "$mnt"
	mount -o loop "$raw" "$mnt" || die "cannot loop-mount the disk"
	mounted=$mnt
	if ! "$pool/usr/bin/extlinux" --install "$mnt/boot" \
		>"$work/extlinux.log" 2>&1; then
		cat "$work/extlinux.log" >&2
		die "extlinux --install failed"
	fi
	umount "$mnt"
	mounted=
	qemu-img convert -c -O qcow2 "$raw" "$work/out/$image" ||
		die "qemu-img convert failed"
	rm -f "$raw"
}

build() {
	local files kpkg f

	[ "$(id -u)" -eq 0 ] || die "building the test image needs root"
	work=$cache/build.$$
	rm -rf "$work"
	mkdir -p "$work/out"
	trap build_cleanup EXIT
	pool=$work/pool
	debs=$cache/debs

	kpkg=$(apt-cache depends linux-image-cloud-amd64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$kpkg" ] || die "apt knows no linux-image-cloud-amd64"
	# shellcheck disable=SC2086
	files=$(fetch_debs "$kpkg" $packages)
	note "extracting $(wc -l <<<"$files") packages"
	mkdir -p "$pool"
	for f in $files; do
		dpkg-deb -x "$debs/$f" "$pool" || die "cannot extract $f"
	done
	kver=${kpkg#linux-image-}
	[ -f "$pool/boot/vmlinuz-$kver" ] || die "no kernel in $kpkg"
	depmod -b "$pool" "$kver" || die "depmod failed"

	make_root
	make_disk
	(cd "$work/out" && sha512sum "$image" >"$image.sha512")
	echo "$files" >"$work/out/packages"
	rm -rf "${cache:?}/${hash:?}"
	mv "$work/out" "$cache/$hash"
	rm -rf "$work"
	trap - EXIT
	prune "$files"
}

# Drop .debs this build did not use (apt offers only the newest anyway)
# and images of other recipes unused for a week.
prune() {
	local f

	for f in "$debs"/*.deb; do
		grep -qxF "$(basename "$f")" <<<"$1" || rm -f "$f"
	done
	find "$cache" -mindepth 1 -maxdepth 1 -type d -name '????????????????' \
		! -name "$hash" -mtime +7 -exec rm -rf {} +
}

build_cleanup() {
	[ -z "$mounted" ] || umount "$mounted" || true
	rm -rf "$work"
}

# Write FILE from stdin unless it already holds exactly that.
put() {
	local tmp

	tmp=$(mktemp "$1.XXXXXX")
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
	else
		chmod 644 "$tmp"
		mv -f "$tmp" "$1"
	fi
}

flavors="alpine-extended:Extended:extended:iso
alpine-netboot:Netboot:netboot:tar.gz
alpine-minirootfs:Mini root filesystem:minirootfs:tar.gz
alpine-standard:Standard:standard:iso
alpine-virt:Virtual:virt:iso
alpine-xen:Xen:xen:iso"

flavor_desc() {
	case "$1" in
	extended) printf '%s\n' "Most common used packages included." \
		"Suitable for routers and servers." "Runs from RAM." \
		"Includes AMD and Intel microcode updates." ;;
	netboot) printf '%s\n' "Kernel, initramfs and modloop for netboot." ;;
	minirootfs) printf '%s\n' "Minimal root filesystem." \
		"For use in containers" "and minimal chroots." ;;
	standard) printf '%s\n' "Alpine as it was intended." \
		"Just enough to get you started." "Network connection is required." ;;
	virt) printf '%s\n' "Similar to standard." \
		"Slimmed down kernel." "Optimized for virtual systems." ;;
	xen) printf '%s\n' "Built-in support for Xen Hypervisor." \
		"Includes packages targeted at Xen usage." \
		"Use for Xen Dom0." ;;
	esac
}

# The releases/ARCH directory: small placeholder files for the flavors,
# with their sums, and latest-releases.yaml listing them.
publish_releases() {
	local dir=$1 flavor title profile ext file size sha256 sha512 desc

	mkdir -p "$dir"
	{
		echo "---"
		while IFS=: read -r flavor title profile ext; do
			file=$flavor-$version-$arch.$ext
			echo "aq test mirror placeholder for $file" | put "$dir/$file"
			size=$(stat -c %s "$dir/$file")
			sha256=$(sha256sum <"$dir/$file" | cut -d' ' -f1)
			sha512=$(sha512sum <"$dir/$file" | cut -d' ' -f1)
			echo "$sha256  $file" | put "$dir/$file.sha256"
			echo "$sha512  $file" | put "$dir/$file.sha512"
			desc=$(flavor_desc "$profile" | sed '1!s/^/    /')
			cat <<-EOF
			-
			  title: "$title"
			  desc: "$desc"
			  profile: $profile
			  image: $flavor
			  date: $date
			  time: $time
			  branch: $branch
			  arch: $arch
			  version: $version
			  flavor: $flavor
			  file: $file
			  iso: $file
			  size: $size
			  sha256: $sha256
			  sha512: $sha512
			EOF
		done <<<"$flavors"
	} | put "$dir/latest-releases.yaml"
}

publish() {
	local out=$1 src=$cache/$hash cloud=$1/$branch/releases/cloud

	mkdir -p "$cloud"
	if ! cmp -s "$src/$image" "$cloud/$image"; then
		cp "$src/$image" "$cloud/$image.tmp"
		mv -f "$cloud/$image.tmp" "$cloud/$image"
	fi
	put "$cloud/$image.sha512" <"$src/$image.sha512"
	publish_releases "$out/$branch/releases/$arch"
	# As on the real mirror, latest-stable is the newest branch.
	if [ -d "$out/latest-stable" ] && [ ! -L "$out/latest-stable" ]; then
		rm -rf "$out/latest-stable"
	fi
	if [ "$(readlink "$out/latest-stable" 2>/dev/null)" != "$branch" ]; then
		ln -sfn "$branch" "$out/latest-stable"
	fi
}

main() {
	local out

	[ "$#" -eq 1 ] || die "usage: build-mirror.sh OUTDIR"
	mkdir -p "$1" "$cache"
	out=$(cd "$1" && pwd)
	hash=$(recipe_hash)

	exec 9>"$cache/.lock"
	flock 9
	if [ -f "$cache/$hash/$image.sha512" ]; then
		touch "$cache/$hash"
		note "test image $hash is cached in $cache"
	else
		note "building test image $hash in $cache"
		build
	fi
	publish "$out"
	note "mirror ready in $out"
}

main "$@"
