#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh FLAVOUR: configure and build one kernel from $SRC.
#   x86_64        tinyconfig + x86_64.config               -> bzImage + KVM modules
#   x86_64-debug  tinyconfig + x86_64.config + debug       -> KASAN/lockdep/kmemleak
#   x86_64-dwarf  tinyconfig + x86_64.config + DWARF, no KVM -> make check-dump's guest
#   ppc64le       tinyconfig + ppc64le.config (cross)      -> vmlinux + KVM modules
#   arm64         tinyconfig + arm64.config (cross)        -> Image, KVM built in
. "$(dirname "$0")/lib.sh"

flavour=$1
cfg=$TOP/harness/config
case $flavour in
x86_64)		arch=x86; cross=; frags="$cfg/x86_64.config"; targets="bzImage modules" ;;
x86_64-debug)	arch=x86; cross=; frags="$cfg/x86_64.config $cfg/x86_64-debug.config"; targets="bzImage modules" ;;
x86_64-dwarf)	arch=x86; cross=; frags="$cfg/x86_64.config $cfg/x86_64-dwarf.config"; targets="bzImage modules" ;;
ppc64le)	arch=powerpc; cross=powerpc64le-linux-gnu-; frags="$cfg/ppc64le.config"; targets="vmlinux modules" ;;
arm64)		arch=arm64; cross=aarch64-linux-gnu-; frags="$cfg/arm64.config"; targets="Image" ;;
*) die "unknown kernel flavour '$flavour'" ;;
esac

out=$BUILD/kernel-$flavour
mkdir -p "$out"
kmake() {
	make -C "$SRC" O="$out" ARCH=$arch ${cross:+CROSS_COMPILE=$cross} \
		CC="${HOSTCC_WRAP}${cross}gcc" HOSTCC="${HOSTCC_WRAP}gcc" -j"$JOBS" "$@"
}

# Regenerate .config only when the fragments (or the base) changed.
sum=$(cat $frags "$SRC/.base-version" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.fragments.sha" 2>/dev/null)" != "$sum" ] || [ ! -f "$out/.config" ]; then
	info "configuring $flavour"
	kmake -s tinyconfig >/dev/null
	(cd "$out" && KCONFIG_CONFIG=.config "$SRC/scripts/kconfig/merge_config.sh" \
		-m -O "$out" .config $frags >/dev/null)
	kmake -s olddefconfig >/dev/null
	"$TOP/harness/check-config.sh" "$out/.config" $frags
	echo "$sum" > "$out/.fragments.sha"
fi

info "building $flavour kernel ($targets)"
log=$out/build.log
if ! kmake $targets > "$log" 2>&1; then
	grep -E -B2 -A6 'error|Error' "$log" | tail -60 >&2
	die "$flavour kernel build failed (full log: $log)"
fi
# A warning in code KVM builds is an error (KVM_WERROR and PPC_WERROR say so
# too; this also holds if a config change drops them).  Not on the KASAN
# kernel: KASAN inflates stack frames past FRAME_WARN in upstream code, which
# is why KVM_WERROR excludes KASAN.
if [ "$flavour" != x86_64-debug ] && grep -E '(virt/kvm|arch/[a-z0-9]+/kvm)/[^:]*:[0-9]+:[0-9]+: warning:' "$log" >&2; then
	die "warnings in the KVM directories ($log)"
fi
echo "$(date -u +%FT%TZ) $flavour $(cat "$out/include/config/kernel.release")" > "$out/.built"
