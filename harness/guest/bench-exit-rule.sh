#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, in the test VM under -icount shift=0: the cost of an exit KVM
# handles in the kernel (CPUID) with our kvm.ko/kvm-amd.ko and with the same
# modules less the request-exit rule (harness/build-bench-variant.sh), in one
# boot, alternating ROUNDS times.  Prints each measurement, the ratio and a
# BENCH_EXIT_JSON line; fails if a measurement is missing.
ROUNDS=${1:-3}
b=/variant/pvpanic_bench

measure() {
	$b -x | sed -n 's/^EXIT_NS //p'
}
swap() {	# swap DIR: load kvm.ko and kvm-amd.ko from DIR
	rmmod kvm_amd kvm || return 1
	insmod "$1/kvm.ko" && insmod "$1/kvm-amd.ko"
}

with=0 without=0 i=0
while [ $i -lt "$ROUNDS" ]; do
	a=$(measure)
	swap /variant || { echo "cannot load the variant modules"; exit 1; }
	c=$(measure)
	swap /modules || { echo "cannot reload our modules"; exit 1; }
	[ -n "$a" ] && [ -n "$c" ] || { echo "no measurement (with '$a', without '$c')"; exit 1; }
	echo "round $i: CPUID exit, ns per operation: with the rule $a, without $c"
	with=$(awk -v s="$with" -v x="$a" 'BEGIN { print s + x }')
	without=$(awk -v s="$without" -v x="$c" 'BEGIN { print s + x }')
	i=$((i + 1))
done
awk -v w="$with" -v wo="$without" -v n="$ROUNDS" 'BEGIN {
	r = w / wo
	printf "request-exit rule: an in-kernel exit (CPUID) costs %.1f with it, %.1f without: %.4f (target <= 1.002)\n", w / n, wo / n, r
	printf "BENCH_EXIT_JSON {\"with\":%.1f,\"without\":%.1f,\"ratio\":%.5f}\n", w / n, wo / n, r
	exit !(r <= 1.002)
}'
