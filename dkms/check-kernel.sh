#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# check-kernel.sh KVER KDIR BASE-VERSION-FILE
# Refuse to build for a kernel these sources do not fit: struct layouts that
# the kernel image itself reads (struct kvm_vcpu's run and stat fields, see
# kernel/entry/kvm.c) must be the ones of the kernel the modules load into.
kver=$1 kdir=$2 base=$(cat "$3")
upstream=${base%%-*}		# 6.12.117-1~deb12u1 -> 6.12.117

fail() {
	echo "kvm-pvpanic: $*" >&2
	exit 1
}

[ -f "$kdir/Makefile" ] ||
	fail "no kernel build tree at $kdir: install linux-headers-$kver"
case $kver in
"$upstream"+*|"$upstream"-*) ;;
*)	fail "kernel $kver is not Linux $upstream; these sources are Debian's linux-source-6.12 $base and fit only a $upstream kernel" ;;
esac
# On Debian, the headers package's version must be the source's exactly:
# two uploads of one upstream release can differ in KVM's structs.
if command -v dpkg-query >/dev/null 2>&1 &&
   hv=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null); then
	[ "$hv" = "$base" ] ||
		fail "linux-headers-$kver is version $hv but these sources are linux-source-6.12 $base; rebuild the sources from linux-source-6.12=$hv"
fi
exit 0
