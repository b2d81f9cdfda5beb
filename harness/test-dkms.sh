#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-dkms.sh KVER FIRST: TAP lines FIRST, FIRST+1, ... for the ways README
# tells users to install the modules.  `make modules_install` into a
# staging root, and back.  The DKMS source tree `make modules KVER=...` wrote:
# dkms add, build and install, run by the real dkms against the real
# headers, but into private trees under $BUILD/dkms-test (the install tree
# holds the stock image's own kvm modules, which DKMS must replace): the
# only change to this machine is the signing key dkms creates on first use
# (/var/lib/dkms/mok.key), as on a user's.  Then the refusals of the tree's
# version check and of dkms.conf's BUILD_EXCLUSIVE_KERNEL.
# Prints "# dkms: N passed, N failed" last; exits non-zero on a failure.
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # n is read and advanced by tap() (lib.sh)
kver=$1 n=$(($2 - 1))
pass=0 fail=0
src=$(ls -d "$BUILD"/dkms/kvm-pvpanic-* 2>/dev/null | head -1)
[ -n "$src" ] || die "no DKMS source tree under $BUILD/dkms: run make modules KVER=$kver"
version=${src##*/kvm-pvpanic-}
t=$BUILD/dkms-test
out=$t/log
rm -rf "$t"
mkdir -p "$t/var" "$t/lib/$kver/kernel/arch/x86/kvm"
cp "$BUILD/stock/$kver/kvm-stock/"* "$t/lib/$kver/kernel/arch/x86/kvm/"
trees=(--sourcetree "$BUILD/dkms" --dkmstree "$t/var")

desc="dkms add, build and install kvm-pvpanic/$version for $kver"
if dkms add -m kvm-pvpanic -v "$version" "${trees[@]}" > "$out" 2>&1 &&
   dkms build -m kvm-pvpanic -v "$version" -k "$kver" "${trees[@]}" >> "$out" 2>&1 &&
   dkms install -m kvm-pvpanic -v "$version" -k "$kver" "${trees[@]}" \
	--installtree "$t/lib" >> "$out" 2>&1; then
	bad=
	for m in kvm kvm-amd kvm-intel; do
		f=$(ls "$t/lib/$kver/updates/dkms/$m.ko"* 2>/dev/null | head -1)
		if [ -z "$f" ]; then
			bad="$bad $m.ko not installed;"
		elif [ "$(modinfo -F vermagic "$f" | awk '{print $1}')" != "$kver" ] ||
		     [ "$(modinfo -F version "$f")" != "$version" ]; then
			bad="$bad $f: vermagic '$(modinfo -F vermagic "$f")', version '$(modinfo -F version "$f")';"
		else
			echo "# $f: version $version, signer '$(modinfo -F signer "$f")'"
		fi
	done
	if [ -z "$bad" ]; then
		tap OK "$desc (replacing the stock modules)"
	else
		echo "$bad" >> "$out"
		tap FAIL "$desc" "$out"
	fi
else
	tap FAIL "$desc" "$out"
fi

# make modules_install into a staging root that holds the stock modules,
# then README's way back (remove them, depmod): modprobe's view each time.
desc="make modules_install: modprobe resolves kvm, kvm_amd, kvm_intel to updates/, and back to the stock modules once they are removed"
r=$t/root
mkdir -p "$r/lib/modules/$kver/kernel/arch/x86/kvm"
cp "$BUILD/stock/$kver/kvm-stock/"* "$r/lib/modules/$kver/kernel/arch/x86/kvm/"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	: > "$r/lib/modules/$kver/$f"
done
resolved() {	# what modprobe would load for kvm, kvm_amd, kvm_intel
	for m in kvm kvm_amd kvm_intel; do
		modinfo -b "$r" -k "$kver" -F filename $m 2>&1 | sed "s#^$r/lib/modules/$kver/##"
	done | tr '\n' ' '
}
if make -C "$TOP" --no-print-directory modules_install KVER="$kver" INSTALL_MOD_PATH="$r" > "$out" 2>&1; then
	got=$(resolved)
	rm "$r/lib/modules/$kver/updates/"kvm*.ko
	depmod -a -b "$r" "$kver" >> "$out" 2>&1
	back=$(resolved)
	echo "# installed: $got" | tee -a "$out"
	echo "# removed:   $back" | tee -a "$out"
	if [ "$got" = "updates/kvm.ko updates/kvm-amd.ko updates/kvm-intel.ko " ] &&
	   [ "$back" = "kernel/arch/x86/kvm/kvm.ko.xz kernel/arch/x86/kvm/kvm-amd.ko.xz kernel/arch/x86/kvm/kvm-intel.ko.xz " ]; then
		tap OK "$desc"
	else
		tap FAIL "$desc" "$out"
	fi
else
	tap FAIL "$desc" "$out"
fi

# The tree's own check (dkms runs it too, through the Makefile).
if sh "$src/check-kernel.sh" 6.12.1+deb12-amd64 "/lib/modules/$kver/build" "$src/BASE-VERSION" > "$out" 2>&1; then
	tap FAIL "check-kernel.sh refuses a kernel of another 6.12 release" "$out"
elif grep -q "is not Linux ${version%%+*}" "$out"; then
	sed 's/^/# /' "$out"
	tap OK "check-kernel.sh refuses a kernel of another 6.12 release"
else
	tap FAIL "check-kernel.sh refuses a kernel of another 6.12 release (wrong message)" "$out"
fi
if sh "$src/check-kernel.sh" "$kver" "$t/no-such-dir" "$src/BASE-VERSION" > "$out" 2>&1; then
	tap FAIL "check-kernel.sh refuses a missing kernel build tree" "$out"
elif grep -q "install linux-headers-$kver" "$out"; then
	sed 's/^/# /' "$out"
	tap OK "check-kernel.sh refuses a missing kernel build tree"
else
	tap FAIL "check-kernel.sh refuses a missing kernel build tree (wrong message)" "$out"
fi

# BUILD_EXCLUSIVE_KERNEL: dkms matches it against the release as a regex.
re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$src/dkms.conf")
ok=1
up=${kver%%+*}		# 6.12.N: the flavours of that release match, nothing else
for k in "$kver" "$up+deb12-amd64" "$up+deb12-rt-amd64"; do
	[[ $k =~ $re ]] || { echo "'$k' does not match '$re'" > "$out"; ok=0; }
done
for k in "${up}0+deb12-amd64" "${up%?}+deb12-amd64" 6.1.0-56-amd64 "$up"; do
	[[ $k =~ $re ]] && { echo "'$k' matches '$re'" > "$out"; ok=0; }
done
if [ $ok = 1 ]; then
	tap OK "dkms.conf builds for $kver's release only (BUILD_EXCLUSIVE_KERNEL=\"$re\")"
else
	tap FAIL "dkms.conf builds for $kver's release only" "$out"
fi

echo "# dkms: $pass passed, $fail failed"
[ "$fail" = 0 ]
