#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build our user-space tools under tools/kvm/ statically, against the
# patched uapi headers, into $BUILD/tools.
. "$(dirname "$0")/lib.sh"

"$TOP/harness/install-headers.sh"

out=$BUILD/tools
mkdir -p "$out"
info "building tools/kvm/kvm_events (static)"
log=$out/build.log
if ! make -C "$TOP/tools/kvm/kvm_events" OUTPUT="$out/" CC="${HOSTCC_WRAP}gcc" \
		EXTRA_CFLAGS="-isystem $BUILD/usr/include" LDFLAGS=-static > "$log" 2>&1; then
	cat "$log" >&2
	die "tools build failed (full log: $log)"
fi
# Static glibc programs warn about getaddrinfo and the like; anything else is ours.
if grep -v 'statically linked applications requires' "$log" | grep -q 'warning:'; then
	cat "$log" >&2
	die "tools build has warnings (full log: $log)"
fi
