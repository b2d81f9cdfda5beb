#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench's "request-born exits" case: kvm.ko and kvm-amd.ko built from
# our tree with arch/x86/kvm/x86.c as upstream has it, i.e. without patch 1
# (KVM_REQ_EXIT_MASK and its checks in the run loop) and patch 4's use of
# it, out of tree against the test kernel, into $BUILD/bench-variant.cpio
# (/variant/*.ko) for harness/guest/bench-exit-rule.sh.  Everything else,
# the device included, is the same code as the test kernel's modules.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-x86_64
out=$BUILD/bench-variant
[ -f "$kout/Module.symvers" ] || die "build the kernel first (make kernel)"
mkdir -p "$out"

stage=$(mktemp -d "$BUILD/.variant.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/virt" "$stage/arch/x86"
cp -a "$SRC/virt/kvm" "$stage/virt/"
cp -a "$SRC/arch/x86/kvm" "$stage/arch/x86/"
cp "$PRISTINE/arch/x86/kvm/x86.c" "$stage/arch/x86/kvm/x86.c"
# The series' other x86.c changes would be lost with it: there must be none.
for p in $(grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series"); do
	grep -q '^+++ b/arch/x86/kvm/x86.c' "$TOP/patches/$p" || continue
	grep -q 'KVM_REQ_EXIT_MASK\|KVM_REQ_BIT(KVM_REQ_PVPANIC)' "$TOP/patches/$p" ||
		die "patches/$p changes arch/x86/kvm/x86.c for something else: the variant would lose it"
done
# kbuild reads Kbuild before Makefile: the same objects, with the sources
# found relative to this tree (virt/kvm/Makefile.kvm's KVM ?= ../../../virt/kvm).
sed -e 's#\$(srctree)/virt/kvm/Makefile\.kvm#$(src)/../../../virt/kvm/Makefile.kvm#' \
	"$SRC/arch/x86/kvm/Makefile" > "$stage/arch/x86/kvm/Kbuild"

# Keep kbuild's products between runs: only what changed is rebuilt.
rsync -rc --delete --filter='P *.o' --filter='P *.ko' --filter='P *.mod' \
	--filter='P *.mod.c' --filter='P .*.cmd' --filter='P modules.order' \
	--filter='P Module.symvers' --filter='P kvm-asm-offsets.h' --filter='P .tmp*' \
	"$stage/" "$out/src/"
info "building kvm.ko and kvm-amd.ko without the request-exit rule (bench variant)"
if ! make -C "$kout" M="$out/src/arch/x86/kvm" -j"$JOBS" CC="${HOSTCC_WRAP}gcc" modules \
		> "$out/build.log" 2>&1; then
	tail -40 "$out/build.log" >&2
	die "bench variant build failed (full log: $out/build.log)"
fi
grep -q 'KVM_REQ_EXIT_MASK\|kvm_vcpu_check_exit_requests' "$out/src/arch/x86/kvm/x86.c" &&
	die "the bench variant still has the request-exit rule"

spec=$out/cpio.spec
{
	echo "dir /variant 0755 0 0"
	for m in kvm kvm-amd; do
		echo "file /variant/$m.ko $out/src/arch/x86/kvm/$m.ko 0644 0 0"
	done
	echo "file /variant/pvpanic_bench $BUILD/selftests-x86_64/x86_64/pvpanic_bench 0755 0 0"
} > "$spec"
"$kout/usr/gen_init_cpio" "$spec" > "$BUILD/bench-variant.cpio"
