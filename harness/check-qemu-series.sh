#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-qemu-series: every prefix of qemu/patches builds (with
# --enable-werror, the minimal configuration of make qemu), and every patch
# is clean under QEMU's own scripts/checkpatch.pl.  TAP, one summary line.
# Not in .ci/run (one more QEMU build, about 10 minutes cold).
. "$(dirname "$0")/lib.sh"

QSRC=$BUILD/qemu-src
wt=$BUILD/qemu-series-tree
out=$BUILD/qemu-series-build
"$TOP/harness/qemu-source.sh"
cd "$QSRC"
commits=$(git rev-list --reverse base..HEAD)
rm -rf "$wt"; git worktree prune
git worktree add -q --detach "$wt" base
cp "$TOP/harness/qemu/devices.mak" "$wt/configs/devices/x86_64-softmmu/kvm-pvpanic.mak"
mkdir -p "$out"
if [ ! -f "$out/build.ninja" ]; then
	(cd "$out" && CCACHE_BASEDIR="$BUILD" "$wt/configure" \
		--cc="${HOSTCC_WRAP}cc" --host-cc="${HOSTCC_WRAP}cc" \
		--target-list=x86_64-softmmu --enable-kvm --disable-tcg \
		--without-default-features --without-default-devices \
		--with-devices-x86_64=kvm-pvpanic --disable-docs --disable-tools \
		--disable-guest-agent --enable-werror --enable-fdt=system > configure.log 2>&1) ||
		{ tail -30 "$out/configure.log"; die "configure failed"; }
fi
n=0 pass=0 fail=0
for p in $(cd "$TOP/qemu/patches" && grep -v -e '^#' -e '^$' series); do
	r=OK; "$wt/scripts/checkpatch.pl" -q "$TOP/qemu/patches/$p" > "$out/checkpatch.log" 2>&1 || r=FAIL
	tap $r "checkpatch: $p" "$out/checkpatch.log"
done
for c in $commits; do
	(cd "$wt" && git checkout -q "$c")
	r=OK; CCACHE_BASEDIR="$BUILD" ninja -C "$out" -j "$JOBS" qemu-system-x86_64 > "$out/build.log" 2>&1 || r=FAIL
	tap $r "builds: $(git log -1 --format=%s "$c")" "$out/build.log"
done
echo "1..$n"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
