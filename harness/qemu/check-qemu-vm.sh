#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-qemu, inside the test VM: our QEMU (with qemu/patches) runs as
# the VMM with -accel kvm on our kvm-amd.ko and boots a Linux guest (our
# kernel, /guest/initrd.cpio with harness/qemu/guest-init) that really
# panics.  qmp-client follows QMP; QEMU's trace (-trace pvpanic_*,
# kvm_pvpanic_*) shows which side answered each access.  TAP, then
# "N passed, N failed, N skipped".
Q=/usr/bin/qemu-system-x86_64
T=/tmp/q
DIAG_FILES='$T.console $T.qmp.log $T.err $T.trace $R.console $R.qmp.log $R.err $R.trace'
CONSOLE='$T.console'
QEMU_GUEST="-L /usr/share/qemu-fw -kernel /guest/bzImage -initrd /guest/initrd.cpio"
GUEST_CONSOLE=console=ttyS0
. /usr/share/kvmtest/vm-lib.sh

echo "TAP version 13"
echo "# $(qemu-system-x86_64 --version | head -1), kernel $(uname -r)"

# 1. pc + ISA pvpanic: the guest's ACPI QEMU0001 driver, a real panic; on
# GUEST_PANICKED the QMP client dumps the paused guest's memory.
qemu panic -M pc -cpu qemu64 -device pvpanic -action panic=pause
qmp event:GUEST_PANICKED '{"execute": "query-status"}' \
	'{"execute": "dump-guest-memory", "arguments": {"paging": false, "protocol": "file:/tmp/vmcore"}}'
r=$?
ev=$(stat_events)
quit
check "pc, pvpanic (ISA): the guest's panic is GUEST_PANICKED, VM paused, through the kernel" \
	'[ $r = 0 ]' 'has "\"action\": \"pause\"" $T.qmp.log' 'has "guest-panicked" $T.qmp.log' \
	'has "pvpanic-mmio bound to QEMU0001" $T.console' 'has "Kernel panic - not syncing: sysrq" $T.console' \
	'[ "$ev" = 1 ]' 'has "kvm_pvpanic_exit .*events 0x1 space 1 addr 0x505" $T.trace' \
	'! has "pvpanic_read\|pvpanic_write" $T.trace' guest_clean
echo "# pvpanic_events stat: ${ev:-none}; QEMU userspace pvpanic accesses: $(count 'pvpanic_read\|pvpanic_write' $T.trace)"
check "dump-guest-memory on GUEST_PANICKED: an ELF core holding the guest's panic message" \
	'[ "$(od -A n -t x1 -N 4 /tmp/vmcore 2>/dev/null | tr -d " ")" = 7f454c46 ]' \
	'grep -a -q "Kernel panic - not syncing: sysrq triggered crash" /tmp/vmcore'
echo "# vmcore: $(wc -c < /tmp/vmcore 2>/dev/null) bytes"
rm -f /tmp/vmcore

# 1b. -action panic=exit-failure: QEMU's failure status.
qemu panic -M pc -cpu qemu64 -device pvpanic -action panic=exit-failure
qwait
check "pc, pvpanic (ISA), -action panic=exit-failure: QEMU exits with status 1" \
	'[ $qrc = 1 ]' 'has "kvm_pvpanic_exit" $T.trace' '! has "pvpanic_write" $T.trace'

# 5. CRASH_LOADED: the guest loads a crash kernel, panics, and boots it.
QMEM=384M QAPPEND="crashkernel=96M crash_kexec_post_notifiers" \
	qemu crash -M pc -cpu qemu64 -device pvpanic -action panic=pause
qmp event:GUEST_CRASHLOADED sleep:2000 noevent:GUEST_PANICKED
r=$?
wait_for "guest: crash kernel up" $T.console 60
qmp '{"execute": "query-status"}'
r2=$?
quit
check "pc, pvpanic (ISA), a crash kernel loaded: GUEST_CRASHLOADED, the crash kernel boots" \
	'[ $r = 0 ] && [ $r2 = 0 ]' 'has "kexec_crash_loaded=1" $T.console' \
	'has "guest: crash kernel up" $T.console' 'has "\"status\": \"running\"" $T.qmp.log' \
	'has "kvm_pvpanic_exit .*events 0x2 space 1 addr 0x505" $T.trace' '! has "pvpanic_write" $T.trace' guest_clean

# 4a. Control: kvm=off is today's userspace emulation, same QMP outcome.
qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=off -action panic=pause
qmp event:GUEST_PANICKED
r=$?
ev=$(stat_events)
quit
check "pc, pvpanic,kvm=off: GUEST_PANICKED through QEMU's own emulation" \
	'[ $r = 0 ]' 'has "\"action\": \"pause\"" $T.qmp.log' '[ "$ev" = 0 ]' \
	'has "pvpanic_read" $T.trace' 'has "pvpanic_write .*0x1" $T.trace' '! has "kvm_pvpanic" $T.trace'

# 4b. kvm=on where the kernel refuses the device: an error, not a crash.
qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=on,events=8
qwait
check "pvpanic,kvm=on with events the kernel does not offer: QEMU refuses to start" \
	'[ $qrc = 1 ]' 'has "the in-kernel pvpanic device offers events 0x7, not 0x8" $T.err'
qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=on -device pvpanic-pci,kvm=on
qwait
check "two pvpanic devices with kvm=on: QEMU refuses the second" \
	'[ $qrc = 1 ]' 'has "another pvpanic device uses it" $T.err'

# 2. q35 + pvpanic-pci: the guest's own BAR assignment, then it moves the BAR;
# after the panic, a system reset, and the same again.
qemu pcimove -M q35 -cpu qemu64 -device pvpanic-pci -action panic=pause
qmp event:GUEST_PANICKED '{"execute": "system_reset"}' '{"execute": "cont"}' event:GUEST_PANICKED
r=$?
ev=$(stat_events)
quit
old=$(sed -n 's/.*BAR0 assigned at \(0x[0-9a-f]*\).*/\1/p' $T.console | head -1)
moved=$(sed -n 's/.*BAR0 moved to \(0x[0-9a-f]*\).*/\1/p' $T.console | head -1)
final=$(sed -n 's/.*after rescan BAR0 at \(0x[0-9a-f]*\).*/\1/p' $T.console | head -1)
echo "# BAR0: assigned $old, moved by the guest to $moved, after the rescan $final; then a reset"
echo "# where the BAR was mapped and the kernel device placed, change by change:"
follows_bar
fb=$?
check "q35, pvpanic-pci: the kernel device follows the BAR (guest moves, decoding, reset); panics exit at the BAR" \
	'[ $r = 0 ]' '[ -n "$old" ] && [ -n "$moved" ] && [ -n "$final" ]' '[ $fb = 0 ]' \
	'has "BAR0 assigned at $old reads 0x03" $T.console' \
	'has "new address reads 0x03, old address reads 0x00" $T.console' \
	'[ "$(count "kvm_pvpanic_exit .*events 0x1 space 2 addr $final" $T.trace)" = 2 ]' \
	'[ "$ev" = 2 ]' '! has "pvpanic_read\|pvpanic_write" $T.trace' guest_clean

# 7. Overlapping BARs: pvpanic-pci over a virtio doorbell (an ioeventfd) and
# the other way round; QEMU must survive, and report the panic once undone.
qemu overlap -M q35 -cpu qemu64 -device pvpanic-pci -device virtio-serial-pci -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
grep -e 'overlap\|undone' $T.console | sed 's/^/#   /'
grep kvm_pvpanic $T.trace | sed 's/^/#   /'
N=$(sed -n 's/.*virtio notify at \(0x[0-9a-f]*\).*/\1/p' $T.console)
# The kernel device at N after overlaps 1 and 3, removed for overlap 2.
seq=$(awk -v n="$N" '$1 == "kvm_pvpanic_place" && $3 == n && $6 == 0 { s = s " at" }
	$1 == "kvm_pvpanic_remove" && s ~ /at$/ { s = s " -" } END { print s }' $T.trace)
echo "# the kernel device at $N: $seq"
check "q35, pvpanic-pci BAR over a virtio notify region and back, both orders: QEMU survives, panic reported" \
	'[ $r = 0 ]' '[ -n "$N" ]' '[ "$seq" = " at - at -" ]' 'has "overlap 1 (pvpanic over the ioeventfd): .* reads 0x03" $T.console' \
	'has "overlap 2 (ioeventfd over pvpanic): .* reads 0x00" $T.console' \
	'has "overlap 3 (pvpanic over the ioeventfd): .* reads 0x03" $T.console' \
	'has "kvm_pvpanic_exit .*events 0x1 space 2" $T.trace' '! has "pvpanic_write" $T.trace' guest_clean

# 3. microvm, no ACPI: the guest finds the device through KVM_FEATURE_PVPANIC.
qemu panic -M microvm,acpi=off,rtc=on -cpu qemu64,kvm-pvpanic=on -device pvpanic -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
check "microvm, acpi=off, kvm-pvpanic: the guest finds the device through CPUID, its panic reaches QMP" \
	'[ $r = 0 ]' 'has "pvpanic-mmio bound to pvpanic-mmio" $T.console' \
	'has "kvm_pvpanic_exit .*events 0x1 space 1 addr 0x505" $T.trace' guest_clean

# 3b. The bit with QEMU's own pvpanic: the guest finds it through CPUID just
# the same, and QEMU reports its panic from userspace.
qemu panic -M microvm,acpi=off,rtc=on -cpu qemu64,kvm-pvpanic=on -device pvpanic,kvm=off -action panic=pause
qmp event:GUEST_PANICKED
r=$?
ev=$(stat_events)
quit
check "microvm, acpi=off, kvm-pvpanic with pvpanic,kvm=off: found through CPUID, GUEST_PANICKED from QEMU's emulation" \
	'[ $r = 0 ]' 'has "\"action\": \"pause\"" $T.qmp.log' 'has "pvpanic-mmio bound to pvpanic-mmio" $T.console' \
	'has "pvpanic_read" $T.trace' 'has "pvpanic_write .*0x1" $T.trace' '! has "kvm_pvpanic" $T.trace' \
	'[ "$ev" = 0 ]' guest_clean

# 3c. The bit clear, no ACPI: the device is there (in the kernel) but the
# guest is not told, so nothing binds and its panic goes unreported.  QEMU
# starts paused and the QMP client resumes it, so it hears every event.
qemu panic -M microvm,acpi=off,rtc=on -cpu qemu64 -device pvpanic -action panic=pause -S
qmp-client $T.sock -t 150 '{"execute": "cont"}' sleep:150000 >> $T.qmp.log 2>&1 &
qc=$!
wait_for "Kernel panic - not syncing" $T.console 120
p=$?
sleep 3
kill $qc 2>/dev/null
wait $qc 2>/dev/null
ev=$(stat_events)
qmp '{"execute": "query-status"}'
r=$?
quit
check "microvm, acpi=off, bit clear, pvpanic present: nothing binds, the guest's panic is not GUEST_PANICKED" \
	'[ $p = 0 ]' '[ $r = 0 ]' 'has "\"status\": \"running\"" $T.qmp.log' \
	'has "no pvpanic driver bound; pvpanic devices: none" $T.console' '! has "pvpanic-mmio bound" $T.console' \
	'has "kvm_pvpanic_place pio 0x505 events 0x3: 0" $T.trace' \
	'! has "GUEST_PANICKED" $T.qmp.log' '! has "pvpanic_write\|kvm_pvpanic_exit" $T.trace' \
	'[ "$ev" = 0 ]' guest_clean

# 3d. The bit with no pvpanic device at all: refused, with a hint that works.
qemu panic -M microvm,acpi=off,rtc=on -cpu qemu64,kvm-pvpanic=on
qwait
check "kvm-pvpanic with no device at all: QEMU refuses to start, names -device pvpanic" \
	'[ $qrc = 1 ]' \
	'has "kvm-pvpanic: the CPU tells the guest that a pvpanic device is at port 0x505, and there is none" $T.err' \
	'has "Add -device pvpanic (its ioport defaults to 0x505)" $T.err'

# 8. A guest makes a device add a 4-byte ioeventfd under the pvpanic-pci
# register (nvme,ioeventfd=on, once its driver turns on shadow doorbells),
# then moves the register over an ioeventfd, then makes the ioeventfd go.
# The kernel device steps aside while an ioeventfd covers its byte, QEMU
# answers the register meanwhile (its read trace), and it comes back after.
qemu nvme -M q35 -cpu qemu64 -device pvpanic-pci -device nvme,serial=pv0,ioeventfd=on -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
grep -e '^guest: [ABCu]\|nvme0\|doorbells' $T.console | sed 's/^/#   /'
grep 'kvm_pvpanic_place\|pvpanic_kvm_step_aside\|pci_nvme_create' $T.trace | sed 's/^/#   /'
has "error adding ioeventfd" $T.err && sed 's/^/#   /' $T.err
sq=$(sed -n 's/.*doorbells: SQ \(0x[0-9a-f]*\), CQ.*/\1/p' $T.console)
cq=$(sed -n 's/.*doorbells: SQ 0x[0-9a-f]*, CQ \(0x[0-9a-f]*\).*/\1/p' $T.console)
check "nvme ioeventfd added to its mapped BAR under the pvpanic register: QEMU survives and answers there" \
	'[ -n "$sq" ] && [ -n "$cq" ]' '[ $r = 0 ]' '! has "error adding ioeventfd" $T.err' 'has "nvme0 live" $T.console' \
	'has "A1 pvpanic at $sq: reads 0x03" $T.console' \
	'has "pvpanic_kvm_step_aside ioeventfd at $sq size 4" $T.trace' \
	'has "A2 ioeventfd added under pvpanic at $sq: reads 0x03" $T.console'
check "pvpanic register moved over an ioeventfd, then the ioeventfd goes: QEMU answers, then the kernel again" \
	'[ $r = 0 ]' 'has "B pvpanic over the ioeventfd at $cq: reads 0x03" $T.console' \
	'has "kvm_pvpanic_place mmio $cq events 0x3: -17" $T.trace' \
	'has "C ioeventfd gone at $cq: reads 0x03" $T.console' \
	'has "kvm_pvpanic_place mmio $cq events 0x3: 0" $T.trace' \
	'has "in-kernel device not placed at address $cq: File exists" $T.err' \
	'[ "$(count pvpanic_read $T.trace)" = 2 ] || { echo "# pvpanic_read: $(count pvpanic_read $T.trace)"; false; }'
check "after the overlaps, the guest's panic is reported by the kernel device" \
	'[ $r = 0 ]' 'has "kvm_pvpanic_exit .*events 0x1 space 2" $T.trace' '! has "pvpanic_write" $T.trace' guest_clean

# 3e. The bit, with the ISA device given after pvpanic-pci: pvpanic-pci has
# the in-kernel device, QEMU answers port 0x505, the guest finds it there.
qemu panic -M pc,acpi=off -cpu qemu64,kvm-pvpanic=on -device pvpanic-pci -device pvpanic -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
check "kvm-pvpanic, pvpanic after pvpanic-pci: the guest finds port 0x505 through CPUID, QEMU answers it, panic reported" \
	'[ $r = 0 ]' 'has "pvpanic-mmio bound to pvpanic-mmio" $T.console' \
	'has "pvpanic_read offset 0x0: events 0x3" $T.trace' '! has "kvm_pvpanic_place pio" $T.trace' \
	'has "kvm_pvpanic_place mmio" $T.trace' 'has "\"action\": \"pause\"" $T.qmp.log'

# 3f. -cpu host does not set the bit (QEMU reports it as supported itself).
qemu panic -M microvm,acpi=off,rtc=on -cpu host -device pvpanic -action panic=pause -S
qmp '{"execute": "qom-get", "arguments": {"path": "/machine/unattached/device[0]", "property": "kvm-pvpanic"}}' \
	'{"execute": "cont"}'
r=$?
wait_for "Kernel panic - not syncing" $T.console 120
quit
check "-cpu host: kvm-pvpanic stays off, the guest without ACPI is not told of the device" \
	'[ $r = 0 ]' 'has "\"return\": false" $T.qmp.log' \
	'has "no pvpanic driver bound" $T.console' '! has "pvpanic-mmio bound" $T.console'

# 4c. kvm=on ends in the kernel device answering or in a failure to start.
qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=on,ioport=0x40
qwait
check "pvpanic,kvm=on at a port the kernel already serves (the in-kernel PIT's): QEMU refuses to start" \
	'[ $qrc = 1 ]' 'has "the in-kernel pvpanic device cannot answer at port 0x40: File exists" $T.err'
qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=on,ioport=0x2f8 -device isa-serial,iobase=0x2f8
qwait
check "pvpanic,kvm=on at a port a later device hides: QEMU refuses to start" \
	'[ $qrc = 1 ]' 'has "pvpanic, kvm=on: another device hides port 0x2f8" $T.err'

# 4d. A KVM_CAP_PVPANIC answer that is not a mask of pvpanic events (a
# kernel that gave the number to something else): no in-kernel device.
QPRE="env LD_PRELOAD=/usr/lib/cap-shim.so CAP_SHIM_PVPANIC=0x103" \
	qemu panic -M pc -cpu qemu64 -device pvpanic -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
check "KVM_CAP_PVPANIC answering 0x103: QEMU emulates pvpanic itself, the panic is still reported" \
	'[ $r = 0 ]' 'has "cap-shim: KVM_CAP_PVPANIC -> 0x103" $T.err' '! has "kvm_pvpanic_place" $T.trace' \
	'has "pvpanic_write .*0x1" $T.trace'
QPRE="env LD_PRELOAD=/usr/lib/cap-shim.so CAP_SHIM_PVPANIC=0x103" \
	qemu panic -M pc -cpu qemu64 -device pvpanic,kvm=on
qwait
check "KVM_CAP_PVPANIC answering 0x103, kvm=on: QEMU refuses to start" \
	'[ $qrc = 1 ]' 'has "offers events 0x0, not 0x3" $T.err'

# 4e. events=1: the kernel would drop a written CRASH_LOADED that QEMU's
# own emulation acts on, so kvm=auto keeps the device in QEMU.
qemu panic -M pc -cpu qemu64 -device pvpanic,events=1 -action panic=pause
qmp event:GUEST_PANICKED
r=$?
quit
check "pvpanic,events=1 (kvm=auto): QEMU emulates it, as it would act on every event the guest writes" \
	'[ $r = 0 ]' '! has "kvm_pvpanic_place" $T.trace' 'has "pvpanic_read offset 0x0: events 0x1" $T.trace' \
	'has "pvpanic_write .*0x1" $T.trace'

# 9. Live migration to a second QEMU in this VM, after the guest moved the
# BAR: the destination keeps the BAR, and its kernel device (or its own
# emulation, kvm=off) reports the panic that comes after the migration.
R=/tmp/r
migrate() {	# migrate SRC-KVM DST-KVM
	qemu migrate -M q35 -cpu qemu64 -device pvpanic-pci,kvm=$1 -action panic=pause
	wait_for "waiting for the NMI" $T.console 120
	w=$?
	rm -f $R.*
	$Q -accel kvm -m 256M -smp 1 -nodefaults -no-user-config -display none \
		-L /usr/share/qemu-fw -kernel /guest/bzImage -initrd /guest/initrd.cpio \
		-append "console=ttyS0 pvtest=migrate pvcount=0 quiet" \
		-serial file:$R.console -qmp unix:$R.sock,server=on,wait=off \
		-trace 'pvpanic_*' -trace 'kvm_pvpanic_*' -D $R.trace \
		-M q35 -cpu qemu64 -device pvpanic-pci,kvm=$2 -action panic=pause \
		-incoming unix:$R.mig </dev/null >$R.err 2>&1 &
	rpid=$!
	qmp-client $R.sock -t 60 '{"execute": "query-status"}' >> $R.qmp.log 2>&1
	qmp '{"execute": "migrate", "arguments": {"uri": "unix:'$R.mig'"}}'
	m=$?
	i=0
	until qmp-client $R.sock -t 10 '{"execute": "query-status"}' 2>&1 | grep -q '"status": "running"'; do
		[ $i -ge 120 ] && break
		sleep 0.5; i=$((i + 1))
	done
	qmp-client $R.sock -t 120 '{"execute": "inject-nmi"}' event:GUEST_PANICKED >> $R.qmp.log 2>&1
	dq=$?
	qmp '{"execute": "query-status"}'
	moved=$(sed -n 's/.*BAR0 moved from 0x[0-9a-f]* to \(0x[0-9a-f]*\).*/\1/p' $T.console)
	grep -h 'guest: \(BAR0\|NMI\)' $T.console $R.console | sed 's/^/#   /'
	qmp-client $R.sock -t 20 '{"execute": "quit"}' >/dev/null 2>&1
	( sleep 60; kill -9 $rpid 2>/dev/null ) &
	k=$!
	wait $rpid
	kill $k 2>/dev/null
	quit
}
migrate auto auto
check "migration, in-kernel device on both sides: BAR kept, the destination's kernel device reports the panic" \
	'[ $w = 0 ] && [ $m = 0 ] && [ $dq = 0 ]' '[ -n "$moved" ]' \
	'has "NMI: BAR0 at $moved reads 0x03" $R.console' 'has "\"status\": \"postmigrate\"" $T.qmp.log' \
	'has "kvm_pvpanic_place mmio $moved events 0x3: 0" $R.trace' \
	'has "kvm_pvpanic_exit .*events 0x1 space 2 addr $moved" $R.trace' '! has "pvpanic_write" $R.trace' \
	'! has "kvm_pvpanic_exit" $T.trace'
migrate auto off
check "migration from the in-kernel device to kvm=off: BAR kept, the destination's QEMU reports the panic" \
	'[ $w = 0 ] && [ $m = 0 ] && [ $dq = 0 ]' '[ -n "$moved" ]' \
	'has "NMI: BAR0 at $moved reads 0x03" $R.console' \
	'has "pvpanic_write .*0x1" $R.trace' '! has "kvm_pvpanic" $R.trace' '! has "kvm_pvpanic_exit" $T.trace'
migrate off auto
check "migration from kvm=off to the in-kernel device: BAR kept, the destination's kernel device reports the panic" \
	'[ $w = 0 ] && [ $m = 0 ] && [ $dq = 0 ]' '[ -n "$moved" ]' \
	'has "NMI: BAR0 at $moved reads 0x03" $R.console' \
	'has "kvm_pvpanic_place mmio $moved events 0x3: 0" $R.trace' \
	'has "kvm_pvpanic_exit .*events 0x1 space 2 addr $moved" $R.trace' '! has "kvm_pvpanic" $T.trace'

rm -f $R.*

# 10. device_del of pvpanic-pci (ACPI PCI hotplug on pc): the address no
# longer answers, the claim is free, and a new pvpanic-pci,kvm=on takes it.
qemu unplug -M pc -cpu qemu64 -device pvpanic-pci,id=pp -action panic=pause
wait_for "waiting for the unplug" $T.console 120
w=$?
qmp '{"execute": "device_del", "arguments": {"id": "pp"}}' event:DEVICE_DELETED
u=$?
wait_for "guest: unplugged" $T.console 120
u2=$?
qmp '{"execute": "device_add", "arguments": {"driver": "pvpanic-pci", "id": "pp2", "kvm": "on"}}' \
	event:GUEST_PANICKED
r=$?
quit
grep 'guest: \(pvpanic-pci\|unplugged\|plugged\)' $T.console | sed 's/^/#   /'
grep 'kvm_pvpanic' $T.trace | sed 's/^/#   /'
old=$(sed -n 's/.*pvpanic-pci BAR0 \(0x[0-9a-f]*\) reads.*/\1/p' $T.console)
new=$(sed -n 's/.*plugged again: BAR0 \(0x[0-9a-f]*\) reads.*/\1/p' $T.console)
# Where the kernel device was, from the last place at the old BAR on: there,
# removed with the device, then at the new device's BAR.
seq=$(awk -v o="$old" '$1 == "kvm_pvpanic_place" { if ($3 == o) s = o; else if (s != "") s = s " " $3 }
	$1 == "kvm_pvpanic_remove" && s != "" { s = s " -" } END { print s }' $T.trace)
echo "# the kernel device, from its last place at $old on: $seq"
check "device_del pvpanic-pci: its address stops answering; device_add pvpanic-pci,kvm=on gets the kernel device" \
	'[ $w = 0 ] && [ $u = 0 ] && [ $u2 = 0 ] && [ $r = 0 ]' '[ -n "$old" ] && [ -n "$new" ]' \
	'has "pvpanic-pci BAR0 $old reads 0x03" $T.console' 'has "unplugged: $old reads 0x00" $T.console' \
	'[ "$seq" = "$old - $new" ]' \
	'has "plugged again: BAR0 $new reads 0x03" $T.console' \
	'has "kvm_pvpanic_exit .*events 0x1 space 2 addr $new" $T.trace' '! has "pvpanic_read\|pvpanic_write" $T.trace'

echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
