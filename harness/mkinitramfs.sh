#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs pieces with the kernel's own gen_init_cpio
# (no root needed).  The kernel unpacks concatenated cpio archives in turn,
# so a boot uses base + tests (check) or base + one program (run).
#   mkinitramfs.sh base FLAVOUR [MODDIR]   busybox, /init, our KVM modules
#                                          (irqbypass, kvm, kvm-amd .ko from
#                                          MODDIR instead of FLAVOUR's build)
#   mkinitramfs.sh tests LIST OUT          project selftests + the tests in LIST
#   mkinitramfs.sh run OUT PROG [ARGS...]  /run/prog and its arguments
. "$(dirname "$0")/lib.sh"

gen=$BUILD/kernel-x86_64/usr/gen_init_cpio
[ -x "$gen" ] || die "$gen missing: build the kernel first"


kind=$1; shift
spec=$(mktemp)
trap 'rm -f "$spec"' EXIT
case $kind in
base)
	flavour=$1
	kout=$BUILD/kernel-$flavour
	out=$BUILD/initramfs-base-$flavour.cpio
	cat >> "$spec" <<-SPEC
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /bin 0755 0 0
	dir /sbin 0755 0 0
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	dir /tmp 1777 0 0
	dir /run 0755 0 0
	dir /modules 0755 0 0
	SPEC
	spec_add /bin/busybox /bin/busybox 0755
	echo "slink /bin/sh busybox 0777 0 0" >> "$spec"
	spec_add "$TOP/harness/guest/init" /init 0755
	spec_add "$TOP/harness/guest/tap.sh" /lib/tap.sh 0644
	if [ -n "${2:-}" ]; then
		for m in irqbypass kvm kvm-amd; do
			[ -f "$2/$m.ko" ] || die "$2/$m.ko missing"
			spec_add "$2/$m.ko" /modules/$m.ko 0644
		done
	else
		spec_add "$kout/virt/lib/irqbypass.ko" /modules/irqbypass.ko 0644
		spec_add "$kout/arch/x86/kvm/kvm.ko" /modules/kvm.ko 0644
		spec_add "$kout/arch/x86/kvm/kvm-amd.ko" /modules/kvm-amd.ko 0644
	fi
	# Our tools/kvm/ programs, on every VM's PATH.
	spec_add "$BUILD/tools/kvm-events-monitor" /usr/bin/kvm-events-monitor 0755
	;;
tests)
	list=$1 out=$2
	st=$BUILD/selftests-x86_64
	plist=$(mktemp)
	trap 'rm -f "$spec" "$plist"' EXIT
	project_tests > "$plist"
	echo "dir /tests 0755 0 0" >> "$spec"
	spec_add "$plist" /tests/project.list 0644
	spec_add "$list" /tests/regression.list 0644
	for t in $(awk '{print $1}' "$plist";
		   grep -v -e '^#' -e '^[[:space:]]*$' "$list" | awk '{print $1}'); do
		[ -x "$st/$t" ] || die "selftest $t was not built ($st/$t)"
		spec_add "$st/$t" "/tests/$t" 0755
	done
	;;
run)
	out=$1 prog=$2; shift 2
	args=$(mktemp)
	trap 'rm -f "$spec" "$args"' EXIT
	# Single-quote every argument for the guest's sh.
	for a in "$@"; do
		printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"
	done > "$args"
	spec_add "$prog" /run/prog 0755
	spec_add "$args" /run/args 0644
	# RUN_EXTRA: more host files the program needs, as /run/extra/NAME.
	for f in ${RUN_EXTRA:-}; do
		spec_add "$f" "/run/extra/${f##*/}" 0755
	done
	;;
*) die "usage: mkinitramfs.sh base|tests|run ..." ;;
esac
"$gen" "$spec" > "$out.tmp"
mv "$out.tmp" "$out"
