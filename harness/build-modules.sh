#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-modules.sh KVER            `make modules KVER=...`
# build-modules.sh KVER install    `make modules_install KVER=...`
#
# Builds kvm.ko, kvm-amd.ko and kvm-intel.ko for a Debian 6.12 kernel
# release out of tree, against its linux-headers package, the way DKMS
# does.  Two products:
#   $BUILD/dkms/kvm-pvpanic-VERSION/   the DKMS source tree (dkms add it)
#   $BUILD/modules-KVER/*.ko           the modules, built from a copy of it
. "$(dirname "$0")/lib.sh"

kver=${1:-}
[ -n "$kver" ] || die "KVER is not set: make modules KVER=<release>, e.g. KVER=6.12.118+deb12-cloud-amd64"
case $kver in
6.12.*-amd64) ;;	# -amd64, -cloud-amd64, -rt-amd64
*)	die "KVER=$kver: expected a Debian 6.12 x86_64 kernel release, e.g. 6.12.118+deb12-cloud-amd64" ;;
esac
mod=$BUILD/modules-$kver

if [ "${2:-}" = install ]; then
	for m in kvm kvm-amd kvm-intel; do
		[ -f "$mod/$m.ko" ] || die "$mod/$m.ko missing: run make modules KVER=$kver first"
	done
	# INSTALL_MOD_PATH, as in kbuild: a staging root instead of /.
	root=${INSTALL_MOD_PATH:-}
	[ -n "$root" ] || [ "$(id -u)" = 0 ] ||
		die "make modules_install writes /lib/modules/$kver: run it as root"
	dest=$root/lib/modules/$kver/updates
	install -d "$dest"
	install -m 0644 "$mod/kvm.ko" "$mod/kvm-amd.ko" "$mod/kvm-intel.ko" "$dest/"
	depmod -a ${root:+-b "$root"} "$kver"
	info "installed into $dest; depmod prefers updates/ over the stock kernel/ modules"
	exit 0
fi

# The headers of exactly this release, of exactly our source's version.
"$TOP/harness/install-deps.sh" --only "$BASE_PKG" "linux-headers-$kver" build-essential \
	bc bison flex libelf-dev libssl-dev kmod rsync xz-utils patch dwarves
base=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
hv=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
[ "$hv" = "$base" ] || die "linux-headers-$kver is version $hv, but $BASE_PKG is $base.
  Our series is applied to $BASE_PKG, and the modules must be built from the
  same version as the kernel they load into.  Either install the matching
  source (apt-get install $BASE_PKG=$hv) or pick a release of version $base
  (apt-cache policy linux-headers-6.12*-amd64)."
"$TOP/harness/prepare-tree.sh"

upstream=${base%%-*}
rev=$(git -C "$TOP" rev-list --count HEAD 2>/dev/null || echo 0)
version=$upstream+pvpanic.$rev

# 1. The DKMS source tree: upstream's KVM sources and the headers we patch
# or add, from the patched tree, with dkms/stock-layout.patch, plus dkms/.
stage=$(mktemp -d "$BUILD/.dkms.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/virt" "$stage/arch/x86"
cp -a "$SRC/virt/kvm" "$stage/virt/"
cp -a "$SRC/arch/x86/kvm" "$stage/arch/x86/"
grep -E '^(include|arch/x86/include)/' "$SRC/.overlay-files" | while read -r f; do
	mkdir -p "$stage/$(dirname "$f")"
	cp "$SRC/$f" "$stage/$f"
done
# The layout the stock image reads at fixed offsets (the patch says why).
patch -s -p1 -d "$stage" --fuzz=0 --no-backup-if-mismatch < "$TOP/dkms/stock-layout.patch" ||
	die "dkms/stock-layout.patch does not apply to the series: regenerate it"
kbuild=$stage/arch/x86/kvm/Kbuild
cp "$TOP/dkms/Kbuild.x86" "$kbuild"
sed -e 's#\$(srctree)/virt/kvm/Makefile\.kvm#$(KVM_PVPANIC_SRC)/virt/kvm/Makefile.kvm#' \
    -e 's#-I \$(srctree)/arch/x86/kvm#-I $(KVM_PVPANIC_SRC)/arch/x86/kvm#' \
    "$SRC/arch/x86/kvm/Makefile" >> "$kbuild"
[ "$(grep -c 'KVM_PVPANIC_SRC)/\(virt/kvm/Makefile.kvm\|arch/x86/kvm\)$' "$kbuild")" = 2 ] ||
	die "arch/x86/kvm/Makefile of $base no longer includes virt/kvm/Makefile.kvm and -I arch/x86/kvm as dkms/Kbuild.x86 expects"
cat "$TOP/dkms/Kbuild.x86.tail" >> "$kbuild"
for m in kvm kvm-amd kvm-intel; do
	sed -e "s/@MODULE@/$m/g" -e "s/@MODNAME@/$(echo $m | tr - _)/g" -e "s/@VERSION@/$version/g" \
		"$TOP/dkms/version.c.in" > "$stage/arch/x86/kvm/version-$m.c"
done
cp "$TOP/dkms/Makefile" "$TOP/dkms/check-kernel.sh" "$stage/"
echo "$base" > "$stage/BASE-VERSION"
sed -e "s/@VERSION@/$version/" -e "s/@BASE@/$base/" \
    -e "s/@UPSTREAM_RE@/$(echo "$upstream" | sed 's/\./\\\\./g')/" \
    "$TOP/dkms/dkms.conf.in" > "$stage/dkms.conf"

mkdir -p "$BUILD/dkms"
dk=$BUILD/dkms/kvm-pvpanic-$version
for d in "$BUILD"/dkms/kvm-pvpanic-*; do
	[ "$d" = "$dk" ] || rm -rf "$d"
done
rsync -rc --delete "$stage/" "$dk/"
info "DKMS source tree: $dk"

# 2. Build from a copy, so the DKMS tree stays clean.  rsync by content
# keeps the timestamps of unchanged files and leaves kbuild's products be:
# a rebuild recompiles only what changed.
mkdir -p "$mod/src"
rsync -rc --delete --filter='P *.o' --filter='P *.ko' --filter='P *.mod' \
	--filter='P *.mod.c' --filter='P .*.cmd' --filter='P *.s' \
	--filter='P modules.order' --filter='P Module.symvers' \
	--filter='P kvm-asm-offsets.h' --filter='P .tmp*' "$dk/" "$mod/src/"
info "building kvm.ko, kvm-amd.ko, kvm-intel.ko for $kver"
log=$mod/build.log
if ! make -C "$mod/src" -j"$JOBS" KVER="$kver" > "$log" 2>&1; then
	grep -E -B2 -A8 'error|Error' "$log" | tail -60 >&2
	die "module build failed (full log: $log)"
fi
grep -E 'warning:' "$log" >&2 || true
for m in kvm kvm-amd kvm-intel; do
	cp "$mod/src/arch/x86/kvm/$m.ko" "$mod/$m.ko"
done
info "built: $(cd "$mod" && echo *.ko) in $mod (version $(modinfo -F version "$mod/kvm.ko"), vermagic $(modinfo -F vermagic "$mod/kvm.ko"))"
