#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench's real-VMM case, inside the test VM booted with -icount shift=0
# (one ns of the clock per instruction of the whole stack): our QEMU boots a
# Linux guest twice, with pvpanic,kvm=on (the probe read answered in KVM)
# and kvm=off (QEMU's own userspace emulation), each time with both the
# ISA pvpanic at port 0x505 and pvpanic-pci; the guest times N probe reads
# with its clock: of the port from the kernel (pvpanic_probe_bench.ko, the
# way the pvpanic driver reads it), and of the PCI register from user space
# through /dev/mem.  Prints a table, the ratios, and a BENCH_QEMU_JSON line.
#
# The port is read from the kernel because a user-mode IN that ioperm()
# permits faults (SIGSEGV) in a guest nested under TCG, though it works in
# the test VM itself.
N=${1:-5000}
# One in-kernel device per VM: one boot per device and mode.
for dev in pvpanic pvpanic-pci; do
	for mode in on off; do
		rm -f /tmp/b.console
		qemu-system-x86_64 -accel kvm -m 256M -smp 1 -nodefaults -no-user-config -display none \
			-L /usr/share/qemu-fw -kernel /guest/bzImage -initrd /guest/initrd.cpio \
			-append "console=ttyS0 pvtest=probe pvcount=$N quiet" -serial file:/tmp/b.console \
			-M pc -cpu qemu64 -device $dev,kvm=$mode -no-reboot </dev/null >/tmp/b.err 2>&1
		if [ $dev = pvpanic ]; then
			v=$(grep '^probe: .* of 0x505 = 0x3,' /tmp/b.console)
		else
			v=$(grep '^probe: ' /tmp/b.console | grep -v ' of 0x505 ' | grep ' = 0x3,')
		fi
		v=$(echo "$v" | sed -n 's/.* \([0-9]*\) ns each.*/\1/p' | head -1)
		if [ -z "$v" ]; then
			echo "bench: no result (or a probe read other than 0x3) with $dev,kvm=$mode:"
			tail -20 /tmp/b.console /tmp/b.err
			exit 1
		fi
		[ $dev = pvpanic ] && eval "pio_$mode=$v" || eval "mmio_$mode=$v"
	done
done
r_pio=$(awk -v a="$pio_off" -v b="$pio_on" 'BEGIN { printf "%.2f", a / b }')
r_mmio=$(awk -v a="$mmio_off" -v b="$mmio_on" 'BEGIN { printf "%.2f", a / b }')
printf '%-58s %8s %8s %7s\n' "Linux guest under QEMU: instructions per probe read" kvm=on kvm=off ratio
printf '%-58s %8s %8s %6sx\n' "  pvpanic (ISA), port 0x505, read by the guest kernel" "$pio_on" "$pio_off" "$r_pio"
printf '%-58s %8s %8s %6sx\n' "  pvpanic-pci, BAR 0, read by a guest program (/dev/mem)" "$mmio_on" "$mmio_off" "$r_mmio"
echo "($N reads per case, one run; kvm=on: answered in KVM; kvm=off: QEMU's userspace emulation)"
echo "BENCH_QEMU_JSON {\"reads\":$N,\"pio\":{\"kvm_on\":$pio_on,\"kvm_off\":$pio_off,\"ratio\":$r_pio},\"mmio\":{\"kvm_on\":$mmio_on,\"kvm_off\":$mmio_off,\"ratio\":$r_mmio}}"
