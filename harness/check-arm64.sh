#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-arm64.sh: the arm64 kernel 'make arm64' built, booted at EL2 under
# qemu-system-aarch64 TCG (-M virt,virtualization=on,gic-version=3) as a KVM
# host, once per mode:
#   vhe    KVM in VHE mode (the kernel runs at EL2)
#   nvhe   kvm-arm.mode=nvhe (the kernel at EL1, KVM's hypervisor at EL2)
# Each boot runs aarch64/pvpanic_test and the upstream regression list
# (harness/regression-arm64.list); its kernel log must be clean.  And a
# third boot, VHE, for the users' side:
#   qemu   our QEMU built for aarch64 (harness/build-qemu-arm64.sh) as the
#          VMM in the test VM, a Linux guest on virt with pvpanic-pci that
#          really panics (harness/qemu/check-arm64-vm.sh)
# Output: TAP, then "N passed, N failed, N skipped".  MODES= picks a subset
# (default: vhe nvhe qemu), LIST= another list of upstream tests,
# KERNEL_IMAGE= another host kernel (the guest of the qemu boot stays ours).
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-arm64
st=$BUILD/selftests-arm64
out=$BUILD/check-arm64
gen=$kout/usr/gen_init_cpio
LIST=${LIST:-$TOP/harness/regression-arm64.list}
MODES=${MODES:-vhe nvhe qemu}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1500}
TEST_TIMEOUT=${TEST_TIMEOUT:-240}
[ -f "$kout/arch/arm64/boot/Image" ] || die "no arm64 kernel: run 'make arm64'"
image=${KERNEL_IMAGE:-$kout/arch/arm64/boot/Image}
[ -x "$gen" ] || die "$gen missing: build the arm64 kernel first"
mkdir -p "$out"

# busybox for arm64: Debian's busybox-static, unpacked into build/.
bb=$BUILD/arm64-root/bin/busybox
[ -x "$bb" ] || "$TOP/harness/arm64-debs.sh" "$BUILD/arm64-root" busybox-static
[ -x "$bb" ] || die "no arm64 busybox in $BUILD/arm64-root"

spec=$(mktemp)
plist=$(mktemp)
trap 'rm -f "$spec" "$plist"' EXIT
base() {	# base: busybox, /init and its TAP library
	: > "$spec"
	for d in /dev /bin /sbin /proc /sys /tmp /run; do
		echo "dir $d 0755 0 0" >> "$spec"
	done
	echo "nod /dev/console 0600 0 0 c 5 1" >> "$spec"
	spec_add "$bb" /bin/busybox 0755
	echo "slink /bin/sh busybox 0777 0 0" >> "$spec"
}

# The selftests' initramfs: the project test and the list.
base
spec_add "$TOP/harness/guest/arm64-init" /init 0755
spec_add "$TOP/harness/guest/tap.sh" /lib/tap.sh 0644
project_tests arm64 > "$plist"
spec_add "$plist" /tests/project.list 0644
spec_add "$LIST" /tests/regression.list 0644
for t in $(awk '{print $1}' "$plist"; grep -v -e '^#' -e '^[[:space:]]*$' "$LIST" | awk '{print $1}'); do
	[ -x "$st/$t" ] || die "arm64 selftest $t was not built ($st/$t)"
	spec_add "$st/$t" "/tests/$t" 0755
done
"$gen" "$spec" > "$out/initramfs.cpio"

# The real guest's: our QEMU and its libraries, qmp-client, the scenarios,
# and the guest (this Image, busybox and harness/qemu/guest-init).
if [[ " $MODES " == *" qemu "* ]]; then
	qroot=$BUILD/qemu-arm64-root
	[ -x "$qroot/usr/bin/qemu-system-aarch64" ] ||
		die "no QEMU for aarch64 in $qroot (harness/build-qemu-arm64.sh)"
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o "$out/qmp-client" \
		"$TOP/harness/qemu/qmp-client.c" || die "qmp-client (arm64) build failed"
	base
	spec_add "$TOP/harness/qemu/guest-init" /init 0755
	"$gen" "$spec" > "$out/guest-initrd.cpio"
	base
	spec_add "$TOP/harness/guest/arm64-init" /init 0755
	spec_add "$TOP/harness/guest/tap.sh" /lib/tap.sh 0644
	(cd "$qroot" && find . -type f -o -type l) | sed 's#^\./#/#' | sort | while read -r f; do
		if [ -L "$qroot$f" ]; then
			spec_dirs "$f"
			echo "slink $f $(readlink "$qroot$f") 0777 0 0" >> "$spec"
		else
			spec_add "$qroot$f" "$f" 0755
		fi
	done
	spec_add "$out/qmp-client" /usr/bin/qmp-client 0755
	spec_add "$TOP/harness/qemu/vm-lib.sh" /usr/share/kvmtest/vm-lib.sh 0644
	spec_add "$TOP/harness/qemu/check-arm64-vm.sh" /qemu/check-vm.sh 0755
	spec_add "$kout/arch/arm64/boot/Image" /guest/Image 0644
	spec_add "$out/guest-initrd.cpio" /guest/initrd.cpio 0644
	"$gen" "$spec" > "$out/initramfs-qemu.cpio"
fi

n=0 pass=0 fail=0 skip=0
echo "TAP version 13"
for mode in $MODES; do
	# kvm: the message KVM's init must print in that mode.
	case $mode in
	vhe)	append="kvmtest_mode=check"; initrd=$out/initramfs.cpio; kvm="VHE mode" ;;
	nvhe)	append="kvm-arm.mode=nvhe kvmtest_mode=check"; initrd=$out/initramfs.cpio
		kvm="Hyp nVHE mode" ;;
	qemu)	append="kvmtest_mode=qemu"; initrd=$out/initramfs-qemu.cpio; kvm="VHE mode" ;;
	*)	die "unknown mode '$mode' (vhe, nvhe, qemu)" ;;
	esac
	log=$out/$mode.log
	t0=$SECONDS rc=0
	# pauth-impdef: QEMU's own pointer-authentication algorithm, about 4x
	# faster under TCG than the architected QARMA.
	timeout -k 10 "$BOOT_TIMEOUT" qemu-system-aarch64 -accel tcg \
		-M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on \
		-smp 2 -m 2G -nodefaults -display none -no-reboot \
		-serial file:"$log.raw" -kernel "$image" \
		-initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 $append kvmtest_timeout=$TEST_TIMEOUT" \
		< /dev/null > "$out/$mode.qemu" 2>&1 || rc=$?
	tr -d '\r' < "$log.raw" > "$log"
	echo "# $mode: qemu exit $rc after $((SECONDS - t0)) s, $(grep -m1 '^# kvm:' "$log" | cut -c3-)"
	[ "$rc" = 124 ] && echo "# $mode: still running after ${BOOT_TIMEOUT}s, killed (BOOT_TIMEOUT=)"

	if grep -q "^# kvm: kvm \[[0-9]*\]: $kvm initialized successfully" "$log"; then
		tap OK "$mode: KVM initialized in $kvm"
	else
		grep -m1 '^# kvm:' "$log" > "$out/$mode.kvm" || echo "no KVM line" > "$out/$mode.kvm"
		tap FAIL "$mode: KVM initialized in $kvm" "$out/$mode.kvm"
	fi
	# The guest's TAP, renumbered into ours, with its diagnostics.
	ran=0
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*) n=$((n + 1)); skip=$((skip + 1)); ran=$((ran + 1))
				echo "ok $n $mode: ${line#ok [0-9]* }" ;;
		"ok "*)		n=$((n + 1)); pass=$((pass + 1)); ran=$((ran + 1))
				echo "ok $n $mode: ${line#ok [0-9]* }" ;;
		"not ok "*)	n=$((n + 1)); fail=$((fail + 1)); ran=$((ran + 1))
				echo "not ok $n $mode: ${line#not ok [0-9]* }" ;;
		"# "*)		echo "$line" ;;
		esac
	done < <(sed -n '/^TAP version/,/^KVMTEST-DMESG-BEGIN/p' "$log")

	st_=$(sed -n 's/^KVMTEST-EXIT \([0-9]*\).*/\1/p' "$log" | tail -1)
	# The plan: "# planned N" up front (the selftests), or "1..N" at the
	# end (the QEMU scenarios).
	planned=$(sed -n -e 's/^# planned \([0-9]*\)/\1/p' -e 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | tail -1)
	if [ "$st_" != 0 ] || [ -z "$planned" ] || [ "$ran" -lt "$planned" ]; then
		tail -40 "$log" > "$out/$mode.tail"
		tap FAIL "$mode: the VM finished the run (status '${st_:-none}', ran $ran of ${planned:-?})" \
			"$out/$mode.tail"
	fi
	# The kernel log: everything between the markers, or the whole
	# console when the guest never got there.
	if grep -q '^KVMTEST-DMESG-END' "$log"; then
		sed -n '/^KVMTEST-DMESG-BEGIN/,/^KVMTEST-DMESG-END/p' "$log" > "$out/$mode.dmesg"
	else
		cp "$log" "$out/$mode.dmesg"
	fi
	if bad_log_lines "$out/$mode.dmesg" > "$out/$mode.bad"; then
		tap FAIL "$mode: kernel log has a splat" "$out/$mode.bad"
	else
		tap OK "$mode: kernel log clean"
	fi
done
echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
