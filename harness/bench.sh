#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the test kernel under "-icount shift=0", where its clock
# advances one ns per instruction executed, run pvpanic_bench there, and keep
# its table in $BUILD/bench/output.txt and its figures in
# $BUILD/bench/pvpanic_bench.json.
. "$(dirname "$0")/lib.sh"

out=$BUILD/bench
mkdir -p "$out"
info "booting under -icount shift=0 and running pvpanic_bench (a few minutes)"
rc=0
QEMU_EXTRA="-icount shift=0${QEMU_EXTRA:+ $QEMU_EXTRA}" \
	"$TOP/harness/run-vm.sh" run "$BUILD/selftests-x86_64/x86_64/pvpanic_bench" \
	> "$out/output.txt" || rc=$?
grep -v '^BENCH_JSON ' "$out/output.txt"
[ "$rc" = 0 ] || die "pvpanic_bench failed (status $rc); kernel log: $BUILD/run/console.log"

json=$(sed -n 's/^BENCH_JSON //p' "$out/output.txt")
[ -n "$json" ] || die "pvpanic_bench printed no BENCH_JSON line"

# The real-VMM case: a Linux guest's probe read under our QEMU, kvm=on
# against kvm=off, in one run (harness/qemu/bench-qemu-vm.sh).
info "booting under -icount shift=0: a Linux guest's probe reads under our QEMU, kvm=on and kvm=off"
rc=0
"$TOP/harness/check-qemu.sh" cpio
RUN_INITRD_EXTRA="$BUILD/initramfs-qemu.cpio" QEMU_EXTRA="-icount shift=0${QEMU_EXTRA:+ $QEMU_EXTRA}" \
	"$TOP/harness/run-vm.sh" run "$TOP/harness/qemu/bench-qemu-vm.sh" 5000 \
	> "$out/output-qemu.txt" || rc=$?
grep -v '^BENCH_QEMU_JSON ' "$out/output-qemu.txt"
[ "$rc" = 0 ] || die "the real-VMM bench failed (status $rc); kernel log: $BUILD/run/console.log"
qjson=$(sed -n 's/^BENCH_QEMU_JSON //p' "$out/output-qemu.txt")
[ -n "$qjson" ] || die "the real-VMM bench printed no BENCH_QEMU_JSON line"

# The request-exit rule (patch 1): an exit KVM handles in the kernel, with
# our modules and with the same modules less the rule, in one boot
# (harness/build-bench-variant.sh, harness/guest/bench-exit-rule.sh).
"$TOP/harness/build-bench-variant.sh"
info "booting under -icount shift=0: an in-kernel exit with and without the request-exit rule"
rc=0
RUN_INITRD_EXTRA="$BUILD/bench-variant.cpio" QEMU_EXTRA="-icount shift=0${QEMU_EXTRA:+ $QEMU_EXTRA}" \
	"$TOP/harness/run-vm.sh" run "$TOP/harness/guest/bench-exit-rule.sh" 3 \
	> "$out/output-exit-rule.txt" || rc=$?
grep -v '^BENCH_EXIT_JSON ' "$out/output-exit-rule.txt"
[ "$rc" = 0 ] || die "the request-exit rule bench failed or exceeded its target (status $rc)"
ejson=$(sed -n 's/^BENCH_EXIT_JSON //p' "$out/output-exit-rule.txt")
[ -n "$ejson" ] || die "the request-exit rule bench printed no BENCH_EXIT_JSON line"

printf '{"date":"%s","kernel":"%s","qemu":"%s","bench":%s,"real_vmm":%s,"exit_rule":%s}\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cat "$BUILD/base-version")" \
	"$(qemu-system-x86_64 --version | head -1)" "$json" "$qjson" "$ejson" > "$out/pvpanic_bench.json"
echo "JSON: $out/pvpanic_bench.json"
