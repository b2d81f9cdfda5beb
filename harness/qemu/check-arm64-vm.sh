#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-arm64-qemu, inside the arm64 test VM: our QEMU (Debian's, with
# qemu/patches, built for aarch64) runs as the VMM with -accel kvm on the
# test kernel's KVM and boots a Linux guest on virt (the same arm64 Image,
# /guest/initrd.cpio with harness/qemu/guest-init) that really panics
# through pvpanic-pci.  qmp-client follows QMP; QEMU's trace shows which
# side answered each access.  TAP, then "N passed, N failed, N skipped".
Q=/usr/bin/qemu-system-aarch64
T=/tmp/q
DIAG_FILES='$T.console $T.qmp.log $T.err $T.trace'
CONSOLE='$T.console'
QEMU_GUEST="-M virt,gic-version=3 -cpu host -kernel /guest/Image -initrd /guest/initrd.cpio"
GUEST_CONSOLE=console=ttyAMA0
. /usr/share/kvmtest/vm-lib.sh

echo "TAP version 13"
echo "# $($Q --version | head -1), kernel $(uname -r)"
echo "# planned 3"	# the scenarios below

# 1. virt + pvpanic-pci: the guest's driver probes the register and
# reports its panic; QEMU pauses the guest (GUEST_PANICKED).
qemu panic -device pvpanic-pci -action panic=pause
qmp event:GUEST_PANICKED '{"execute": "query-status"}'
r=$?
ev=$(stat_events)
quit
bar=$(sed -n 's/^kvm_pvpanic_place mmio \(0x[0-9a-f]*\) .*: 0$/\1/p' $T.trace | tail -1)
echo "# kernel device placed at ${bar:-nowhere}; pvpanic_events stat ${ev:-none}"
check "virt, pvpanic-pci: the guest's panic is GUEST_PANICKED, VM paused, through the kernel device" \
	'[ $r = 0 ]' 'has "\"action\": \"pause\"" $T.qmp.log' 'has "guest-panicked" $T.qmp.log' \
	'has "pvpanic driver pvpanic-pci bound" $T.console' \
	'has "Kernel panic - not syncing: sysrq" $T.console' '[ -n "$bar" ]' '[ "$ev" = 1 ]' \
	'has "kvm_pvpanic_exit .*events 0x1 space 2 addr $bar" $T.trace' \
	'! has "pvpanic_read\|pvpanic_write" $T.trace' guest_clean

# 2. The guest moves the BAR, Linux rescans, a reset re-enumerates: the
# kernel device follows every change, and both panics exit at the BAR.  The
# old address then reads as nothing does in virt's PCIe window: all ones
# (q35's reads 0x00).
QAPPEND=pvdelta=0x100000 qemu pcimove -device pvpanic-pci -action panic=pause
qmp event:GUEST_PANICKED '{"execute": "system_reset"}' '{"execute": "cont"}' event:GUEST_PANICKED
r=$?
ev=$(stat_events)
quit
old=$(sed -n 's/.*BAR0 assigned at \(0x[0-9a-f]*\).*/\1/p' $T.console | head -1)
moved=$(sed -n 's/.*BAR0 moved to \(0x[0-9a-f]*\).*/\1/p' $T.console | head -1)
final=$(sed -n 's/.*after rescan BAR0 at \(0x[0-9a-f]*\).*/\1/p' $T.console | tail -1)
echo "# BAR0: assigned $old, moved by the guest to $moved, after the rescan $final; then a reset"
grep '^guest: BAR0' $T.console | sed 's/^/# /'
echo "# where the BAR was mapped and the kernel device placed, change by change:"
follows_bar
fb=$?
check "virt, pvpanic-pci: the kernel device follows the BAR (guest moves, rescan, reset); panics exit at the BAR" \
	'[ $r = 0 ]' '[ -n "$old" ] && [ -n "$moved" ] && [ -n "$final" ]' '[ $fb = 0 ]' \
	'has "BAR0 assigned at $old reads 0x03" $T.console' \
	'has "new address reads 0x03, old address reads 0xFF" $T.console' \
	'[ "$(count "kvm_pvpanic_exit .*events 0x1 space 2 addr $final" $T.trace)" = 2 ]' \
	'[ "$ev" = 2 ]' '! has "pvpanic_read\|pvpanic_write" $T.trace' guest_clean

# 3. kvm=off: QEMU's own emulation, as before the series: the same panic,
# through pvpanic_write, and the kernel device never placed.
qemu panic -device pvpanic-pci,kvm=off -action panic=pause
qmp event:GUEST_PANICKED
r=$?
ev=$(stat_events)
quit
check "virt, pvpanic-pci,kvm=off: the panic goes through QEMU's emulation, not the kernel" \
	'[ $r = 0 ]' 'has "pvpanic_write offset 0x0: 0x1" $T.trace' '! has "kvm_pvpanic_exit" $T.trace' \
	'! has "kvm_pvpanic_place" $T.trace' '[ "${ev:-0}" = 0 ]' guest_clean

echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
