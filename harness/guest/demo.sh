#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test VM: what a VMM sees (pvpanic_demo, from
# KVM_EXIT_PVPANIC) and what a management daemon sees (kvm-events-monitor,
# from the kvm-events generic netlink family), for the same guest.
kvm-events-monitor --count 2 --timeout 120 > /tmp/feed.json 2> /tmp/feed.err &
monitor=$!
sleep 2		# let it join the multicast group before the guest runs

echo "== pvpanic_demo: a VMM's view, exit by exit"
/run/extra/pvpanic_demo || exit 1

wait $monitor
rc=$?
echo
echo "== kvm-events-monitor: a management daemon's view of the same guest"
cat /tmp/feed.json /tmp/feed.err
[ $rc = 0 ] || exit $rc

# A real VMM and a real guest: our QEMU (qemu/patches) boots our kernel,
# whose init panics; the guest's pvpanic driver probes and writes the port.
[ -x /usr/bin/qemu-system-x86_64 ] || exit 0
echo
echo "== QEMU (Debian's 7.2 + qemu/patches) with -device pvpanic: a Linux guest panics"
kvm-events-monitor --count 1 --timeout 120 > /tmp/feed.json 2> /tmp/feed.err &
monitor=$!
sleep 2
qemu-system-x86_64 -accel kvm -M pc -cpu qemu64 -m 256M -nodefaults -display none \
	-L /usr/share/qemu-fw -kernel /guest/bzImage -initrd /guest/initrd.cpio \
	-append "console=ttyS0 pvtest=panic quiet" -serial file:/tmp/guest.log \
	-device pvpanic -action panic=pause -qmp unix:/tmp/qmp,server=on,wait=off \
	-trace 'pvpanic_*' -trace 'kvm_pvpanic_*' -D /tmp/trace.log </dev/null >/tmp/qemu.err 2>&1 &
qemu=$!
qmp-client /tmp/qmp -t 120 event:GUEST_PANICKED '{"execute": "query-status"}' > /tmp/qmp.log 2>&1
r=$?
debugfs_stat=$(cat /sys/kernel/debug/kvm/*-*/pvpanic_events 2>/dev/null | head -1)
qmp-client /tmp/qmp -t 20 '{"execute": "quit"}' >/dev/null 2>&1
wait $qemu
wait $monitor
echo "guest console:"
grep -e '^guest:' -e 'Kernel panic' /tmp/guest.log | sed 's/^/  /'
echo "QEMU's trace (its userspace pvpanic_read/pvpanic_write never ran):"
sed 's/^/  /' /tmp/trace.log
echo "QMP:"
grep -e GUEST_PANICKED -e '"status"' /tmp/qmp.log | sed 's/^< /  /'
echo "VM stat pvpanic_events = ${debugfs_stat:-?}"
echo "kvm-events-monitor:"
sed 's/^/  /' /tmp/feed.json /tmp/feed.err
exit $r
