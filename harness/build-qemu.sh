#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build Debian's QEMU with our series (qemu/patches), minimal: x86_64
# system emulation, KVM only, the devices in harness/qemu/devices.mak.  The binary
# runs inside the test VM as the VMM (make check-qemu).
. "$(dirname "$0")/lib.sh"

QSRC=$BUILD/qemu-src
QOUT=$BUILD/qemu-build
"$TOP/harness/qemu-source.sh"

# configure finds a device configuration by name in the source tree only.
cp "$TOP/harness/qemu/devices.mak" "$QSRC/configs/devices/x86_64-softmmu/kvm-pvpanic.mak"
sum=$( { cat "$TOP/harness/qemu/devices.mak"; echo "$0 v1"; } | sha256sum | cut -c1-16)
if [ "$(cat "$QOUT/.configured" 2>/dev/null)" != "$sum" ]; then
	rm -rf "$QOUT"
	mkdir -p "$QOUT"
	info "configuring QEMU ($QOUT)"
	# ccache: the same relative layout in every clone hits the same cache.
	(cd "$QOUT" && CCACHE_BASEDIR="$BUILD" "$QSRC/configure" \
		--cc="${HOSTCC_WRAP}cc" --host-cc="${HOSTCC_WRAP}cc" \
		--target-list=x86_64-softmmu --enable-kvm --disable-tcg \
		--without-default-features --without-default-devices \
		--with-devices-x86_64=kvm-pvpanic \
		--disable-docs --disable-tools --disable-guest-agent \
		--disable-werror --enable-fdt=system \
		> configure.log 2>&1) ||
		{ tail -40 "$QOUT/configure.log" >&2; die "QEMU configure failed ($QOUT/configure.log)"; }
	echo "$sum" > "$QOUT/.configured"
fi
info "building QEMU"
CCACHE_BASEDIR="$BUILD" ninja -C "$QOUT" -j "$JOBS" qemu-system-x86_64 > "$QOUT/build.log" 2>&1 ||
	{ grep -E -B2 -A8 'error|FAILED' "$QOUT/build.log" | head -80 >&2; die "QEMU build failed ($QOUT/build.log)"; }
info "qemu: $QOUT/qemu-system-x86_64"
