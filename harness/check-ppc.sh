#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-ppc.sh: the ppc64le kernel 'make ppc' built, booted under
# qemu-system-ppc64 TCG as a KVM host, four ways:
#   pseries-p8   -M pseries -cpu POWER8                   KVM-PR
#   pseries-p9   -M pseries -cpu POWER9, disable_radix    KVM-PR (+ the SCV fix:
#                the VMM is a glibc static binary, which uses scv if offered)
#   powernv8     -M powernv8                              KVM-HV (hash guest), KVM-PR
#   powernv9     -M powernv9, disable_radix               KVM-HV (hash guest), KVM-PR
# Each boot runs the kvm-book3s-hv-mmio KUnit suite (built in, at boot) and
# pvpanic_book3s_test for its flavour; a kernel splat fails the boot.
# Output: TAP, then "N passed, N failed, N skipped".  BOOTS= picks a subset.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-ppc64le
out=$BUILD/check-ppc
cross=powerpc64le-linux-gnu-
[ -f "$kout/vmlinux" ] || die "no ppc64le kernel: run 'make ppc'"
mkdir -p "$out"

# Static ppc64le programs against the patched uapi headers.
hdr=$BUILD/usr-ppc64le
make -s -C "$SRC" O="$out/hdr-build" ARCH=powerpc INSTALL_HDR_PATH="$hdr" \
	headers_install > "$out/headers.log" 2>&1 || die "ppc64le headers_install failed ($out/headers.log)"
cflags="-static -O2 -Wall -Wextra -Wno-unused-parameter -Werror"
${cross}gcc $cflags -isystem "$hdr/include" -I "$SRC/tools/testing/selftests" \
	-o "$out/pvpanic_book3s_test" "$SRC/tools/testing/selftests/kvm/powerpc/pvpanic_book3s_test.c" ||
	die "pvpanic_book3s_test build failed"
${cross}gcc $cflags -o "$out/init" "$TOP/harness/guest/ppc-init.c" || die "ppc-init build failed"

root=$out/root
rm -rf "$root"
mkdir -p "$root/dev" "$root/proc"
cp "$out/init" "$out/pvpanic_book3s_test" "$root/"
cp "$kout"/arch/powerpc/kvm/{kvm,kvm-pr,kvm-hv}.ko "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"

BOOTS=${BOOTS:-pseries-p8 pseries-p9 powernv8 powernv9}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-420}
n=0 pass=0 fail=0
echo "TAP version 13"

boot() {	# boot NAME: console in $out/NAME.log
	local name=$1 machine append=
	case $name in
	pseries-p8)	machine="-M pseries -cpu POWER8"; fls=pr ;;
	pseries-p9)	machine="-M pseries -cpu POWER9"; fls=pr; append=disable_radix ;;
	powernv8)	machine="-M powernv8"; fls=hv,pr ;;
	powernv9)	machine="-M powernv9"; fls=hv,pr; append=disable_radix ;;
	*) die "unknown boot '$name'" ;;
	esac
	local t0=$SECONDS rc=0
	# No -nodefaults: powernv's BMC is what powers it off.
	timeout -k 10 "$BOOT_TIMEOUT" qemu-system-ppc64 $machine -accel tcg -smp 1 -m 2G \
		-nographic -no-reboot -kernel "$kout/vmlinux" -initrd "$out/initramfs.cpio" \
		-append "console=hvc0 panic=-1 $append pvtest=$fls" < /dev/null > "$out/$name.log" 2>&1 || rc=$?
	tr -d '\r' < "$out/$name.log" > "$out/$name.txt"
	echo "# $name: qemu exit $rc after $((SECONDS - t0)) s"
	[ "$rc" = 124 ] && echo "# $name: still running after ${BOOT_TIMEOUT}s, killed (BOOT_TIMEOUT=)"
	return 0
}

for b in $BOOTS; do
	boot "$b"
	log=$out/$b.txt
	# KUnit, run at boot: the suite's own result line and its counts.
	if grep -q '^ *ok [0-9]* kvm-book3s-hv-mmio$' "$log"; then
		tap OK "$b: KUnit kvm-book3s-hv-mmio: $(grep -o '# kvm-book3s-hv-mmio: pass:.*' "$log" | head -1 | cut -d' ' -f3-)"
	else
		sed -n '/Subtest: kvm-book3s-hv-mmio/,/ok [0-9]* kvm-book3s-hv-mmio$/p' "$log" > "$out/$b.kunit"
		tap FAIL "$b: KUnit kvm-book3s-hv-mmio did not pass" "$out/$b.kunit"
	fi
	for fl in ${fls//,/ }; do
		sed -n "s/^PPCTEST $fl: //p" "$log" > "$out/$b-$fl.tap"
		while IFS= read -r line; do
			case $line in
			"ok "*)		tap OK "$b $fl: ${line#ok [0-9]* }" ;;
			"not ok "*)	tap FAIL "$b $fl: ${line#not ok [0-9]* }" ;;
			esac
		done < "$out/$b-$fl.tap"
		st=$(sed -n "s/^PPCTEST-EXIT $fl \([0-9]*\)/\1/p" "$log")
		if [ "$st" = 0 ]; then
			tap OK "$b $fl: pvpanic_book3s_test exit 0"
		else
			tap FAIL "$b $fl: pvpanic_book3s_test exit ${st:-never reported}" "$out/$b-$fl.tap"
		fi
	done
	if bad_log_lines "$log" > "$out/$b.bad"; then
		tap FAIL "$b: kernel log has a splat" "$out/$b.bad"
	else
		tap OK "$b: kernel log clean"
	fi
	# patches/fixes/0001: a pseries hash host that can run KVM-PR must not offer
	# scv (PR turns AIL off, and scv has no real-mode vector).
	scv=$(sed -n 's/^PPCTEST-INFO hwcap2 scv=//p' "$log")
	case $b:$scv in
	pseries-*:0)	tap OK "$b: hash host with KVM-PR: scv not offered to userspace" ;;
	pseries-*:*)	echo "PPCTEST-INFO hwcap2 scv=${scv:-never reported}" > "$out/$b.scv"
			tap FAIL "$b: hash host with KVM-PR offers scv" "$out/$b.scv" ;;
	*)		echo "# $b: scv offered to userspace: ${scv:-never reported}" ;;
	esac
done
echo "1..$n"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
