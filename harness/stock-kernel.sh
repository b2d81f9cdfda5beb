#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stock-kernel.sh KVER: Debian's own kernel image of release KVER, downloaded
# as a package and extracted (never installed), into $BUILD/stock/KVER/:
#   vmlinuz        the image we boot
#   vmlinux        the same, decompressed: its .BTF is the stock layout
#   irqbypass.ko   the stock module (unchanged by us; kvm.ko needs it)
#   config         the image's .config
#   kvm-stock/     the image's own kvm*.ko.xz (what DKMS must replace)
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: stock-kernel.sh KVER}
dir=$BUILD/stock/$kver
pkg=linux-image-$kver
[ -f "$dir/.done" ] && [ -d "$dir/kvm-stock" ] && exit 0

rm -rf "$dir"
mkdir -p "$dir/deb"
info "downloading $pkg (extracted under $dir, not installed)"
# apt-get download as root warns when the _apt user cannot write the
# directory; it still works, so keep the directory private and quiet.
if ! (cd "$dir/deb" && apt-get download -q "$pkg" > apt.log 2>&1); then
	cat "$dir/deb/apt.log" >&2
	die "apt-get download $pkg failed (is $kver a Debian kernel release? apt-cache policy $pkg)"
fi
dpkg-deb -x "$dir"/deb/*.deb "$dir/x"
cp "$dir/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
cp "$dir/x/boot/config-$kver" "$dir/config"
"$SRC/scripts/extract-vmlinux" "$dir/vmlinuz" > "$dir/vmlinux" ||
	die "cannot decompress $dir/vmlinuz"
m=$(find "$dir/x/lib/modules/$kver" -name 'irqbypass.ko*' | head -1)
[ -n "$m" ] || die "$pkg has no irqbypass module"
case $m in
*.xz)	xz -dc "$m" > "$dir/irqbypass.ko" ;;
*.zst)	zstd -dqc "$m" > "$dir/irqbypass.ko" ;;
*)	cp "$m" "$dir/irqbypass.ko" ;;
esac
mkdir -p "$dir/kvm-stock"
cp "$dir/x/lib/modules/$kver/kernel/arch/x86/kvm/"kvm*.ko* "$dir/kvm-stock/"
dpkg-deb -f "$dir"/deb/*.deb Version > "$dir/version"
rm -rf "$dir/x" "$dir/deb"
touch "$dir/.done"
