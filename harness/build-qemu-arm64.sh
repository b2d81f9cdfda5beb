#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build Debian's QEMU with our series (qemu/patches) for an aarch64
# host: aarch64 system emulation for KVM (TCG stays in: 7.2 cannot leave it
# out on arm), the devices in harness/qemu/devices-arm64.mak.  The binary
# runs inside the arm64 test VM as the VMM: $BUILD/qemu-arm64-root has it
# with every shared library it loads, laid out as the guest's filesystem
# (regular files only, ready for spec_add).
. "$(dirname "$0")/lib.sh"

QSRC=$BUILD/qemu-src
QOUT=$BUILD/qemu-build-arm64
SYSROOT=$BUILD/qemu-arm64-sysroot
ROOT=$BUILD/qemu-arm64-root
T=aarch64-linux-gnu
CROSSLIB=/usr/$T/lib			# libc6-dev-arm64-cross: libc, libm, ld.so

# Debian's arm64 packages QEMU compiles and links against: the -dev ones for
# headers, .pc files and .so links, the others for the libraries themselves
# and what those need (arm64-debs.sh unpacks what is named, nothing more).
# pcre2: glib-2.0.pc requires it, and libglib-2.0.so.0 links it.
DEBS="libglib2.0-dev libglib2.0-0 libpcre2-dev libpcre2-8-0
      libpixman-1-dev libpixman-1-0 zlib1g-dev zlib1g libfdt-dev libfdt1"

command -v $T-gcc > /dev/null || die "$T-gcc missing (make deps)"
"$TOP/harness/qemu-source.sh"

# The sysroot: unpacked packages, no libc (the cross toolchain has it).
ssum=$(echo "$DEBS sysroot v1" | sha256sum | cut -c1-16)
if [ "$(cat "$SYSROOT/.done" 2>/dev/null)" != "$ssum" ]; then
	rm -rf "$SYSROOT"
	info "arm64 sysroot for QEMU ($SYSROOT)"
	"$TOP/harness/arm64-debs.sh" "$SYSROOT" $DEBS
	# Absolute links (libz.so -> /lib/...) would leave the sysroot.
	find "$SYSROOT" -type l -lname '/*' | while read -r l; do
		ln -sfn "$(realpath -ms --relative-to="$(dirname "$l")" "$SYSROOT$(readlink "$l")")" "$l"
	done
	# configure and meson (also when ninja re-runs it) ask this one.
	cat > "$SYSROOT/pkg-config" <<-EOF
	#!/bin/sh
	PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/$T/pkgconfig:$SYSROOT/usr/share/pkgconfig
	PKG_CONFIG_SYSROOT_DIR=$SYSROOT
	export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
	unset PKG_CONFIG_PATH
	exec pkg-config "\$@"
	EOF
	chmod +x "$SYSROOT/pkg-config"
	echo "$ssum" > "$SYSROOT/.done"
fi

# ninja re-runs meson, which asks pkg-config again.
export CCACHE_BASEDIR="$BUILD" PKG_CONFIG="$SYSROOT/pkg-config"

# configure finds a device configuration by name in the source tree only.
# Copied only when it changed: a newer one makes ninja re-run meson.
mak=$QSRC/configs/devices/aarch64-softmmu/kvm-pvpanic.mak
cmp -s "$TOP/harness/qemu/devices-arm64.mak" "$mak" || cp "$TOP/harness/qemu/devices-arm64.mak" "$mak"
sum=$( { cat "$TOP/harness/qemu/devices-arm64.mak"; echo "build-qemu-arm64 v4 $ssum"; } | sha256sum | cut -c1-16)
if [ "$(cat "$QOUT/.configured" 2>/dev/null)" != "$sum" ]; then
	rm -rf "$QOUT"
	mkdir -p "$QOUT"
	info "configuring QEMU for aarch64 ($QOUT)"
	# --sysroot in the compiler's own command: its search paths then have
	# the sysroot's (libfdt has no .pc file), and meson, seeing them as
	# the compiler's, links no RUNPATH to them.  libc stays the cross
	# toolchain's.  -rpath-link: for the libraries glib links (pcre2).
	# TCG stays in: QEMU 7.2's target/arm and hw/arm/virt.c do not
	# compile without it (upstream allows that from 8.1); -accel kvm
	# picks KVM.
	(cd "$QOUT" && "$QSRC/configure" \
		--cross-prefix=$T- --cc="${HOSTCC_WRAP}$T-gcc --sysroot=$SYSROOT" \
		--host-cc="${HOSTCC_WRAP}cc" \
		--extra-ldflags="-Wl,-rpath-link,$SYSROOT/usr/lib/$T:$SYSROOT/lib/$T" \
		--target-list=aarch64-softmmu --enable-kvm --enable-tcg \
		--without-default-features --without-default-devices \
		--with-devices-aarch64=kvm-pvpanic \
		--disable-docs --disable-tools --disable-guest-agent \
		--disable-werror --enable-fdt=system \
		> configure.log 2>&1) ||
		{ tail -40 "$QOUT/configure.log" >&2; die "QEMU configure failed ($QOUT/configure.log)"; }
	echo "$sum" > "$QOUT/.configured"
fi
info "building QEMU for aarch64"
ninja -C "$QOUT" -j "$JOBS" qemu-system-aarch64 > "$QOUT/build.log" 2>&1 ||
	{ grep -E -B2 -A8 'error|FAILED' "$QOUT/build.log" | head -80 >&2; die "QEMU build failed ($QOUT/build.log)"; }
qemu=$QOUT/qemu-system-aarch64
# A RUNPATH would send the guest's loader to this machine's sysroot first.
! $T-readelf -d "$qemu" | grep -qE '\((RUNPATH|RPATH)\)' ||
	die "$qemu has a RUNPATH (meson did not take the sysroot for the compiler's)"

# The runtime closure, from the binary's DT_NEEDED entries down.  It is
# rebuilt every time: a few files, well under a second.
libpath="$SYSROOT/lib/$T $SYSROOT/usr/lib/$T $CROSSLIB"
find_lib() {	# find_lib SONAME: the file the guest's loader would pick
	local d
	for d in $libpath; do
		[ -e "$d/$1" ] && { readlink -f "$d/$1"; return 0; }
	done
	return 1
}
needed() { $T-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
rm -rf "$ROOT.tmp"
mkdir -p "$ROOT.tmp/usr/bin" "$ROOT.tmp/lib/$T"
# Without DWARF (the symbols stay for backtraces): the VM's initramfs is
# the smaller for it.
$T-strip --strip-debug -o "$ROOT.tmp/usr/bin/qemu-system-aarch64" "$qemu"
interp=$($T-readelf -l "$qemu" | sed -n 's/.*interpreter: \(.*\)\]$/\1/p')
[ -n "$interp" ] || die "$qemu has no program interpreter"
cp "$(find_lib "$(basename "$interp")")" "$ROOT.tmp$interp"
todo=$(needed "$qemu")
while [ -n "$todo" ]; do
	next=
	for so in $todo; do
		[ "$so" = "$(basename "$interp")" ] && continue
		[ -e "$ROOT.tmp/lib/$T/$so" ] && continue
		f=$(find_lib "$so") || die "$so (needed by qemu-system-aarch64) is in no package of the sysroot"
		cp "$f" "$ROOT.tmp/lib/$T/$so"
		next="$next $(needed "$f")"
	done
	todo=$next
done
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
info "qemu: $qemu; with its libraries: $ROOT ($(du -sh "$ROOT" | cut -f1))"
