#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-abi-guard.sh KVER FIRST: TAP lines FIRST, FIRST+1, ... for the ABI
# guard (harness/abi-guard.sh) against the stock image of KVER:
#   - our kvm.ko keeps the stock layout;
#   - it catches a member inserted at the top of struct kvm_vcpu, naming
#     vcpu->run as read by the stock vmlinux;
#   - it catches a member appended to struct kvm_vcpu_stat_generic, which
#     is appending, but inside kvm_vcpu_stat: it moves signal_exits.
# The broken variants rebuild one object (x86.o, whose DWARF has all
# these structs) from a copy of the module tree: seconds, not minutes.
# Prints "# guard: N passed, N failed" last; exits non-zero on a failure.
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # n is read and advanced by tap() (lib.sh)
kver=$1 n=$(($2 - 1))
vmlinux=$BUILD/stock/$kver/vmlinux
mod=$BUILD/modules-$kver
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || kdir=/usr/src/linux-headers-$kver
pass=0 fail=0

out=$(mktemp)
trap 'rm -f "$out"' EXIT
if "$TOP/harness/abi-guard.sh" "$vmlinux" "$mod/kvm.ko" > "$out" 2>&1; then
	sed 's/^/# /' "$out"
	tap OK "abi-guard: our kvm.ko keeps the layout of the stock $kver"
else
	tap FAIL "abi-guard: our kvm.ko keeps the layout of the stock $kver" "$out"
fi

# broken NAME DESCRIPTION HEADER SED-SCRIPT EXPECTED-LINE: build x86.o with
# HEADER changed by SED-SCRIPT (a header the module tree does not carry is
# taken from the unpatched tree, which is the headers package's version),
# and expect the guard to fail with a line matching EXPECTED-LINE.
broken() {
	local t=$BUILD/abi-guard-test/$1 desc="abi-guard catches $2" h=$3
	mkdir -p "$t"
	rsync -rc --delete "$mod/src/" "$t/src/"
	if [ ! -f "$t/src/$h" ]; then
		mkdir -p "$(dirname "$t/src/$h")"
		cp "$PRISTINE/$h" "$t/src/$h"
	fi
	cp "$t/src/$h" "$out"
	sed -i "$4" "$t/src/$h"
	if cmp -s "$out" "$t/src/$h"; then
		echo "sed: $4 changed nothing in $h" > "$out"
		tap FAIL "$desc" "$out"; return
	fi
	if ! make -C "$kdir" M="$t/src/arch/x86/kvm" KVM_PVPANIC_SRC="$t/src" \
			DEBIAN_KERNEL_USE_CCACHE="$(command -v ccache >/dev/null && echo 1)" \
			x86.o > "$out" 2>&1; then
		tap FAIL "$desc (x86.o did not build)" "$out"; return
	fi
	if "$TOP/harness/abi-guard.sh" "$vmlinux" "$t/src/arch/x86/kvm/x86.o" > "$out" 2>&1; then
		tap FAIL "$desc (the guard passed)" "$out"
	elif grep -q -- "$5" "$out"; then
		grep -- "$5" "$out" | sed 's/^/# /'
		tap OK "$desc"
	else
		tap FAIL "$desc (no line matching '$5')" "$out"
	fi
}

broken insert-top "a member inserted at the top of struct kvm_vcpu" include/linux/kvm_host.h \
	'/^struct kvm_vcpu {$/a\	unsigned long abi_guard_test;' \
	'kvm_vcpu\.run: offset 104 size 8 in the stock image, offset 112 size 8 in ours (read by the stock vmlinux)'
broken grow-stat "a member appended to struct kvm_vcpu_stat_generic" include/linux/kvm_types.h \
	'/^struct kvm_vcpu_stat_generic {$/,/^};$/s/^};$/\	u64 abi_guard_test;\n};/' \
	'kvm_vcpu_stat\.signal_exits: offset .* (read by the stock vmlinux)'

echo "# guard: $pass passed, $fail failed"
[ "$fail" = 0 ]
