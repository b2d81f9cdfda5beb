#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 KVM selftests, cross-built statically from $SRC against the
# patched arm64 uapi headers ($BUILD/usr-arm64), into $BUILD/selftests-arm64.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-arm64
cross=aarch64-linux-gnu-
[ -f "$kout/.config" ] || die "configure the arm64 kernel first (make arm64)"
hdr=$BUILD/usr-arm64
make -s -C "$SRC" O="$kout" ARCH=arm64 CROSS_COMPILE=$cross headers_install \
	INSTALL_HDR_PATH="$hdr" || die "arm64 headers_install failed"

out=$BUILD/selftests-arm64
mkdir -p "$out"
info "building arm64 KVM selftests (static, cross)"
log=$out/build.log
if ! make -C "$SRC/tools/testing/selftests/kvm" -j"$JOBS" ARCH=arm64 \
		CROSS_COMPILE=$cross OUTPUT="$out" INSTALL_HDR_PATH="$hdr" \
		KHDR_INCLUDES="-isystem $hdr/include" \
		CC="${HOSTCC_WRAP}${cross}gcc" EXTRA_CFLAGS=-static > "$log" 2>&1; then
	grep -E -A5 'error' "$log" | tail -60 >&2
	die "arm64 selftests build failed (full log: $log)"
fi
