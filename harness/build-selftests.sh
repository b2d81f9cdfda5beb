#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the patched uapi headers into $BUILD/usr and build the x86_64 KVM
# selftests from $SRC, statically, into $BUILD/selftests-x86_64.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-x86_64
[ -f "$kout/.config" ] || die "configure the kernel first (make kernel)"

"$TOP/harness/install-headers.sh"

out=$BUILD/selftests-x86_64
mkdir -p "$out"
info "building KVM selftests (static)"
log=$out/build.log
if ! make -C "$SRC/tools/testing/selftests/kvm" -j"$JOBS" \
		OUTPUT="$out" INSTALL_HDR_PATH="$BUILD/usr" \
		KHDR_INCLUDES="-isystem $BUILD/usr/include" \
		CC="${HOSTCC_WRAP}gcc" EXTRA_CFLAGS=-static > "$log" 2>&1; then
	grep -E -A5 'error' "$log" | tail -60 >&2
	die "selftests build failed (full log: $log)"
fi
# Ours, not in the posted series (patches/new-files' "-" lines).
if ! make -C "$SRC/tools/testing/selftests/kvm" -f Makefile -f "$TOP/harness/selftests-extra.mk" \
		-j"$JOBS" OUTPUT="$out" INSTALL_HDR_PATH="$BUILD/usr" \
		KHDR_INCLUDES="-isystem $BUILD/usr/include" \
		CC="${HOSTCC_WRAP}gcc" EXTRA_CFLAGS=-static extra >> "$log" 2>&1; then
	grep -E -A5 'error' "$log" | tail -60 >&2
	die "selftests build (harness/selftests-extra.mk) failed (full log: $log)"
fi
