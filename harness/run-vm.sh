#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a test kernel under QEMU TCG (-cpu EPYC,+svm: TCG has no VMX) with our
# KVM modules and either run the selftests or one program.
#   run-vm.sh check FLAVOUR LIST     TAP + "N passed, N failed, N skipped"
#   run-vm.sh run PROG [ARGS...]     PROG's output; exits with its status
# Environment: TIMEOUT (whole VM, s), TEST_TIMEOUT (one test, s), SMP, MEM,
# QEMU_EXTRA (more QEMU options, e.g. "-icount shift=0"), KVM_AMD_ARGS,
# RUN_INITRD_EXTRA (more initramfs pieces for run);
# for check, KERNEL_IMAGE (another kernel than FLAVOUR's build, e.g. a stock
# one) and HOST_PASS/HOST_FAIL (results of checks made on the host before,
# counted in the summary line).
. "$(dirname "$0")/lib.sh"

SMP=${SMP:-2}
MEM=${MEM:-4G}
TEST_TIMEOUT=${TEST_TIMEOUT:-150}

boot() {	# boot DIR KERNEL INITRD APPEND; ttyS1 to stdout
	local dir=$1 kernel=$2 initrd=$3 append=$4 rc=0
	rm -f "$dir/console.log" "$dir/status.log"
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel "tcg${TCG_OPTS:+,$TCG_OPTS}" -cpu EPYC,+svm \
		-smp "$SMP" -m "$MEM" -nodefaults -display none -no-reboot \
		-serial file:"$dir/console.log" -serial stdio \
		-serial file:"$dir/status.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 $append" ${QEMU_EXTRA:-} \
		< /dev/null 2> "$dir/qemu.log" || rc=$?
	# TCG lacks some of EPYC's features and says so on every boot; show
	# anything else QEMU had to say.
	grep -v "TCG doesn't support requested feature" "$dir/qemu.log" >&2 || true
	[ "$rc" = 124 ] && echo "error: VM still running after ${TIMEOUT}s, killed (TIMEOUT=)" >&2
	return 0
}

vm_status() {	# the guest's exit status, or nothing when it never said
	sed -n 's/^KVMTEST-EXIT \([0-9]*\).*/\1/p' "$1/status.log" 2>/dev/null | tail -1
}

bad_log() {	# print offending kernel log lines, succeed if there are any
	bad_log_lines "$1/console.log" > "$1/bad.log" || return 1
	echo "# kernel log ($1/console.log):"
	sed 's/^/#   /' "$1/bad.log"
	return 0
}

mode=$1; shift
case $mode in
check)
	flavour=$1 list=$2
	TIMEOUT=${TIMEOUT:-1200}
	kout=$BUILD/kernel-$flavour
	dir=$BUILD/check-$flavour
	mkdir -p "$dir"
	cat "$BUILD/initramfs-base-$flavour.cpio" "$BUILD/initramfs-tests-$flavour.cpio" \
		> "$dir/initrd.cpio"
	image=${KERNEL_IMAGE:-$kout/arch/x86/boot/bzImage}
	release=$(cat "$kout/include/config/kernel.release" 2>/dev/null || echo "$image")
	info "booting $release ($flavour), tests: $list, TIMEOUT=${TIMEOUT}s"
	start=$(date +%s)
	boot "$dir" "$image" "$dir/initrd.cpio" \
		"kvmtest_mode=check kvmtest_timeout=$TEST_TIMEOUT" | tee "$dir/output.log"
	elapsed=$(( $(date +%s) - start ))

	st=$(vm_status "$dir")
	planned=$(sed -n 's/^# planned \([0-9]*\)/\1/p' "$dir/output.log" | tail -1)
	pass=$(grep -E -c '^ok [0-9]+ ' "$dir/output.log" || true)
	skip=$(grep -E -c '^ok [0-9]+ .*# SKIP' "$dir/output.log" || true)
	fail=$(grep -E -c '^not ok [0-9]+ ' "$dir/output.log" || true)
	pass=$((pass - skip))
	ran=$((pass + skip + fail))
	n=$ran
	if [ "$st" != 0 ] || [ -z "$planned" ] || [ "$ran" -lt "$planned" ]; then
		n=$((n + 1)); fail=$((fail + 1))
		echo "not ok $n VM finished the run # status '${st:-none}', ran $ran of ${planned:-?} tests"
		tail -30 "$dir/console.log" 2>/dev/null | sed 's/^/#   /'
	fi
	n=$((n + 1))
	if bad_log "$dir" > "$dir/bad.txt"; then
		fail=$((fail + 1))
		echo "not ok $n kernel log has no WARNING/BUG/Oops/KASAN/lockdep/leak reports"
		cat "$dir/bad.txt"
	else
		pass=$((pass + 1))
		echo "ok $n kernel log has no WARNING/BUG/Oops/KASAN/lockdep/leak reports"
	fi
	echo "1..$n"
	echo "# $flavour: ${elapsed}s in the VM"
	pass=$((pass + ${HOST_PASS:-0})) fail=$((fail + ${HOST_FAIL:-0}))
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	;;
run)
	prog=$1; shift
	TIMEOUT=${TIMEOUT:-600}
	dir=$BUILD/run
	mkdir -p "$dir"
	# RUN_FLAVOUR=x86_64-debug runs on the debug kernel; RUN_STRICT=1 makes a
	# kernel splat fail the run instead of only warning.
	flavour=${RUN_FLAVOUR:-x86_64}
	"$TOP/harness/mkinitramfs.sh" run "$dir/prog.cpio" "$prog" "$@"
	# RUN_INITRD_EXTRA: more initramfs pieces (make check-qemu's QEMU).
	cat "$BUILD/initramfs-base-$flavour.cpio" "$dir/prog.cpio" ${RUN_INITRD_EXTRA:-} > "$dir/initrd.cpio"
	boot "$dir" "$BUILD/kernel-$flavour/arch/x86/boot/bzImage" "$dir/initrd.cpio" \
		"kvmtest_mode=run${KVM_AMD_ARGS:+ kvmtest_kvm_amd=\"$KVM_AMD_ARGS\"}"
	st=$(vm_status "$dir")
	if bad_log "$dir" >&2; then
		echo "warning: the kernel logged a problem (above; $dir/console.log)" >&2
		[ "${RUN_STRICT:-0}" = 0 ] || { [ "$st" != 0 ] || st=124; }
	fi
	if [ -z "$st" ]; then
		echo "error: the VM ended without the program's status (panic or timeout): $dir/console.log" >&2
		tail -20 "$dir/console.log" >&2
		exit 125
	fi
	echo "$st" > "$dir/exit-status"
	[ "$st" = 0 ] || echo "run: $prog exited with status $st" >&2
	exit "$st"
	;;
*) die "usage: run-vm.sh check FLAVOUR LIST | run PROG [ARGS...]" ;;
esac
