#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-qemu: our QEMU (Debian's, with qemu/patches) as the VMM inside
# the test VM, on our kvm-amd.ko, booting a Linux guest that really panics.
#   check-qemu.sh            the scenarios (harness/qemu/check-qemu-vm.sh)
#   check-qemu.sh cpio       only build $BUILD/initramfs-qemu.cpio
# The test VM gets one more initramfs piece: QEMU with its shared libraries
# and firmware, qmp-client, and the guest (our bzImage, its initramfs).
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-x86_64
gen=$kout/usr/gen_init_cpio
out=$BUILD/qemu-check
mkdir -p "$out"
rel=$(cat "$kout/include/config/kernel.release")

info "helpers: qmp-client, pvpanic-probe, kexec-crash, cap-shim.so; the guest module pvpanic_probe_bench.ko"
for p in qmp-client pvpanic-probe kexec-crash; do
	${HOSTCC_WRAP}gcc -static -O2 -Wall -Wextra -Werror -o "$out/$p" "$TOP/harness/qemu/$p.c"
done
${HOSTCC_WRAP}gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$out/cap-shim.so" "$TOP/harness/qemu/cap-shim.c"
rm -rf "$out/probe-mod"
cp -r "$TOP/harness/qemu/probe-mod" "$out/probe-mod"
make -s -C "$kout" M="$out/probe-mod" W=1 modules > "$out/probe-mod.log" 2>&1 ||
	{ cat "$out/probe-mod.log" >&2; die "building pvpanic_probe_bench.ko failed"; }

spec=$(mktemp)
trap 'rm -f "$spec"' EXIT

# The guest's initramfs: busybox, its init, the probe loop, the pvpanic
# modules with modules.alias (busybox depmod) so that modprobe MODALIAS works.
# The crash kernel of the CRASH_LOADED scenario is the same bzImage with
# that initramfs; the guest's own initramfs adds both under /boot.
info "guest initramfs"
g=$out/guest-root
rm -rf "$g"
mkdir -p "$g/lib/modules/$rel/kernel"
cp "$kout"/drivers/misc/pvpanic/*.ko "$out/probe-mod/pvpanic_probe_bench.ko" "$g/lib/modules/$rel/kernel/"
busybox depmod -b "$g" "$rel"
# The nvme scenario loads nvme itself, at its moment: not under lib/modules.
mkdir -p "$g/lib/nvme"
cp "$kout"/drivers/nvme/host/nvme-core.ko "$kout"/drivers/nvme/host/nvme.ko "$g/lib/nvme/"
guest_cpio() {	# guest_cpio OUT [EXTRA-SPEC-LINES]
	: > "$spec"
	for d in /dev /bin /sbin /proc /sys /tmp; do echo "dir $d 0755 0 0" >> "$spec"; done
	echo "nod /dev/console 0600 0 0 c 5 1" >> "$spec"
	spec_add /bin/busybox /bin/busybox 0755
	spec_add "$TOP/harness/qemu/guest-init" /init 0755
	spec_add "$out/pvpanic-probe" /bin/pvpanic-probe 0755
	spec_add "$out/kexec-crash" /bin/kexec-crash 0755
	for f in $(cd "$g" && find lib -type f); do spec_add "$g/$f" "/$f" 0644; done
	if [ -n "${2:-}" ]; then
		while read -r from to; do spec_add "$from" "$to" 0644; done <<< "$2"
	fi
	"$gen" "$spec" > "$1"
}
guest_cpio "$out/crash-initrd.cpio"
guest_cpio "$out/guest-initrd.cpio" "$kout/arch/x86/boot/bzImage /boot/bzImage
$out/crash-initrd.cpio /boot/crash-initrd.cpio"

# QEMU and what it loads.
info "test VM initramfs piece: QEMU, its libraries and firmware, the guest"
qemu=$BUILD/qemu-build/qemu-system-x86_64
[ -x "$qemu" ] || die "$qemu missing (harness/build-qemu.sh)"
: > "$spec"
spec_add "$qemu" /usr/bin/qemu-system-x86_64 0755
for lib in $(ldd "$qemu" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
	spec_add "$(readlink -f "$lib")" "$lib" 0755
done
fw=/usr/share/qemu-fw
spec_add /usr/share/seabios/bios-256k.bin $fw/bios-256k.bin 0644
spec_add "$(readlink -f /usr/share/qemu/qboot.rom)" $fw/qboot.rom 0644
for f in linuxboot_dma.bin kvmvapic.bin multiboot_dma.bin pvh.bin; do
	spec_add "$(readlink -f /usr/share/qemu/$f)" $fw/$f 0644
done
spec_add "$out/qmp-client" /usr/bin/qmp-client 0755
spec_add "$TOP/harness/qemu/vm-lib.sh" /usr/share/kvmtest/vm-lib.sh 0644
spec_add "$out/cap-shim.so" /usr/lib/cap-shim.so 0755
spec_add "$kout/arch/x86/boot/bzImage" /guest/bzImage 0644
spec_add "$out/guest-initrd.cpio" /guest/initrd.cpio 0644
"$gen" "$spec" > "$BUILD/initramfs-qemu.cpio.tmp"
mv "$BUILD/initramfs-qemu.cpio.tmp" "$BUILD/initramfs-qemu.cpio"
[ "${1:-}" = cpio ] && exit 0

RUN_STRICT=1 TIMEOUT=${TIMEOUT:-900} RUN_INITRD_EXTRA="$BUILD/initramfs-qemu.cpio" \
	"$TOP/harness/run-vm.sh" run "$TOP/harness/qemu/check-qemu-vm.sh"
