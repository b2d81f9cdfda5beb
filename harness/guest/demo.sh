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
exit $rc
