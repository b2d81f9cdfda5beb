#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make stress`, inside the debug-kernel VM: the pvpanic stress program and
# the uAPI fuzzer (the fuzzer also runs in make check and make check-debug).
rc=0
/run/extra/pvpanic_stress || rc=1
/run/extra/pvpanic_fuzz_test || rc=1
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	if grep -q unreferenced /sys/kernel/debug/kmemleak; then
		cat /sys/kernel/debug/kmemleak
		rc=1
	fi
fi
exit $rc
