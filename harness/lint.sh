#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint:
#  1. scripts/checkpatch.pl --strict on every patch in patches/series and
#     every new file we ship (each must be clean);
#  2. the x86 KVM objects (arch/x86/kvm, virt/kvm through it) rebuilt with
#     W=1 and sparse (C=2: every file, not just the recompiled ones) in a
#     scratch build directory; a warning not in harness/lint-baseline.txt
#     (upstream's own, counted per file and text on the unpatched base, made
#     by 'harness/lint.sh --baseline') fails;
#  3. the same for the ppc64le KVM objects, cross-built with the 'make ppc'
#     config, against harness/lint-baseline-ppc64le.txt, and for the arm64
#     ones ('make arm64' config), against harness/lint-baseline-arm64.txt;
#  4. the guest side (arch/x86/kernel/kvm.o, drivers/misc/pvpanic/) with W=1
#     and sparse: no warning at all.
. "$(dirname "$0")/lib.sh"

baseline=false
[ "${1:-}" = --baseline ] && baseline=true
fail=0
# UNKNOWN_COMMIT_ID: the trees here are Debian's source package (or one
# commit made from it), without upstream's history, so checkpatch cannot
# look up a Fixes: tag's commit; patches/fixes/ names upstream commits.
cp_opts="--strict --quiet --no-summary --show-types --color=never --ignore UNKNOWN_COMMIT_ID"

info "checkpatch --strict"
if [ -f "$TOP/patches/series" ]; then
	for p in $(grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series"); do
		if ! (cd "$SRC" && scripts/checkpatch.pl $cp_opts "$TOP/patches/$p"); then
			echo "checkpatch: patches/$p" >&2; fail=1
		fi
	done
fi
for f in $(our_files); do
	case $f in *.c|*.h|*.rst|*.yaml|Makefile|Kconfig|*/Makefile|*/Kconfig) ;; *) continue ;; esac
	if ! (cd "$SRC" && scripts/checkpatch.pl $cp_opts -f "$f"); then
		echo "checkpatch: $f" >&2; fail=1
	fi
done

# kvm_w1 NAME KERNEL-BUILD BASELINE MAKE-ARGS... -- DIR: rebuild DIR with W=1
# and sparse in build/lint-NAME, with KERNEL-BUILD's .config, and compare
# its warnings with BASELINE (or, with --baseline, write BASELINE).
kvm_w1() {
	local name=$1 kbuild=$2 base=$3 args=() out log new
	shift 3
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	local dir=$2
	info "W=1 + sparse on the $name KVM objects ($dir)"
	out=$BUILD/lint-$name
	log=$out/lint.log
	mkdir -p "$out"
	[ -f "$kbuild/.config" ] || die "no $name kernel config in $kbuild: build it first"
	cmp -s "$kbuild/.config" "$out/.config" || cp "$kbuild/.config" "$out/.config"
	make -C "$SRC" O="$out" -j"$JOBS" "${args[@]}" -s olddefconfig >/dev/null
	# The baseline needs every compiler warning too: compile everything again.
	$baseline && rm -rf "${out:?}/$dir"
	make -C "$SRC" O="$out" -j"$JOBS" "${args[@]}" W=1 C=2 "$dir/" > "$log" 2>&1 ||
		{ tail -40 "$log" >&2; die "$name lint build failed ($log)"; }
	# "path:line:col: warning: text" -> "path: warning: text", relative to
	# the tree, counted: a second copy of an upstream warning in the same
	# file is new.
	grep -E ': (warning|error):' "$log" |
		sed -E -e "s#^$SRC/##" -e 's#^(\.\./)+linux/##' -e 's#^([^:]+):[0-9]+:([0-9]+:)? #\1: #' |
		sort | uniq -c | sed -E 's/^ *([0-9]+) /\1\t/' > "$out/warnings.txt"
	if $baseline; then
		cp "$out/warnings.txt" "$base"
		echo "lint: wrote ${base#"$TOP"/} ($(wc -l < "$out/warnings.txt") warnings)"
		return
	fi
	new=$(awk -F'\t' 'NR == FNR { base[$2] = $1; next }
			   $1 > base[$2] + 0 { print $2 " (" $1 - base[$2] " new)" }' \
		"$base" "$out/warnings.txt")
	if [ -n "$new" ]; then
		echo "$new" >&2
		echo "lint: new $name W=1/sparse warnings (above; full log $log)" >&2
		fail=1
	fi
}

kvm_w1 x86_64 "$BUILD/kernel-x86_64" "$TOP/harness/lint-baseline.txt" \
	ARCH=x86 CC="${HOSTCC_WRAP}gcc" HOSTCC="${HOSTCC_WRAP}gcc" -- arch/x86/kvm
# arch/powerpc/kvm (and virt/kvm through it), with the 'make ppc' config.
kvm_w1 ppc64le "$BUILD/kernel-ppc64le" "$TOP/harness/lint-baseline-ppc64le.txt" \
	ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- \
	CC="${HOSTCC_WRAP}powerpc64le-linux-gnu-gcc" HOSTCC="${HOSTCC_WRAP}gcc" -- arch/powerpc/kvm
# arch/arm64/kvm (virt/kvm through it, KVM built in), with the 'make arm64' config.
kvm_w1 arm64 "$BUILD/kernel-arm64" "$TOP/harness/lint-baseline-arm64.txt" \
	ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
	CC="${HOSTCC_WRAP}aarch64-linux-gnu-gcc" HOSTCC="${HOSTCC_WRAP}gcc" -- arch/arm64/kvm
$baseline && exit 0

# The guest side of the series (patches/0017-0018) has no upstream warning
# to carry: any W=1 or sparse warning there fails.
info "W=1 + sparse on the guest side (drivers/misc/pvpanic/)"
glog=$BUILD/lint-x86_64/guest.log
make -C "$SRC" O="$BUILD/lint-x86_64" -j"$JOBS" ARCH=x86 CC="${HOSTCC_WRAP}gcc" \
	HOSTCC="${HOSTCC_WRAP}gcc" W=1 C=2 drivers/misc/pvpanic/ > "$glog" 2>&1 ||
	{ tail -40 "$glog" >&2; die "guest-side lint build failed ($glog)"; }
if grep -E ': (warning|error):' "$glog" >&2; then
	echo "lint: guest-side W=1/sparse warnings (above; $glog)" >&2
	fail=1
fi

[ $fail = 0 ] && echo "lint: clean"
exit $fail
