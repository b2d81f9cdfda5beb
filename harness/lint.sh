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
#     config, against harness/lint-baseline-ppc64le.txt.
. "$(dirname "$0")/lib.sh"

baseline=false
[ "${1:-}" = --baseline ] && baseline=true
fail=0
cp_opts="--strict --quiet --no-summary --show-types --color=never"

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

info "W=1 + sparse on the KVM objects"
out=$BUILD/lint-x86_64
mkdir -p "$out"
cmp -s "$BUILD/kernel-x86_64/.config" "$out/.config" ||
	cp "$BUILD/kernel-x86_64/.config" "$out/.config"
lmake() {
	make -C "$SRC" O="$out" ARCH=x86 CC="${HOSTCC_WRAP}gcc" HOSTCC="${HOSTCC_WRAP}gcc" -j"$JOBS" "$@"
}
lmake -s olddefconfig >/dev/null
log=$out/lint.log
# The baseline needs every compiler warning too, so compile everything again.
$baseline && rm -rf "$out/arch/x86/kvm"
lmake W=1 C=2 arch/x86/kvm/ > "$log" 2>&1 || { tail -40 "$log" >&2; die "lint build failed ($log)"; }
# "path:line:col: warning: text" -> "path: warning: text", relative to the
# tree, counted: a second copy of an upstream warning in the same file is new.
grep -E ': (warning|error):' "$log" |
	sed -E -e "s#^$SRC/##" -e 's#^(\.\./)+linux/##' -e 's#^([^:]+):[0-9]+:([0-9]+:)? #\1: #' |
	sort | uniq -c | sed -E 's/^ *([0-9]+) /\1\t/' > "$out/warnings.txt"
if $baseline; then
	cp "$out/warnings.txt" "$TOP/harness/lint-baseline.txt"
	echo "lint: wrote harness/lint-baseline.txt ($(wc -l < "$out/warnings.txt") warnings)"
else
	new=$(awk -F'\t' 'NR == FNR { base[$2] = $1; next }
			   $1 > base[$2] + 0 { print $2 " (" $1 - base[$2] " new)" }' \
		"$TOP/harness/lint-baseline.txt" "$out/warnings.txt")
	if [ -n "$new" ]; then
		echo "$new" >&2
		echo "lint: new W=1/sparse warnings (above; full log $log)" >&2
		fail=1
	fi
fi
# The same for the ppc64le KVM objects ('make ppc' config, cross-built):
# arch/powerpc/kvm (and virt/kvm through it) W=1 and sparse, against
# harness/lint-baseline-ppc64le.txt, made on the unpatched base likewise.
info "W=1 + sparse on the ppc64le KVM objects"
pout=$BUILD/lint-ppc64le
mkdir -p "$pout"
[ -f "$BUILD/kernel-ppc64le/.config" ] || die "no ppc64le kernel config: run 'make ppc'"
cmp -s "$BUILD/kernel-ppc64le/.config" "$pout/.config" ||
	cp "$BUILD/kernel-ppc64le/.config" "$pout/.config"
pmake() {
	make -C "$SRC" O="$pout" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- \
		CC="${HOSTCC_WRAP}powerpc64le-linux-gnu-gcc" HOSTCC="${HOSTCC_WRAP}gcc" -j"$JOBS" "$@"
}
pmake -s olddefconfig >/dev/null
plog=$pout/lint.log
$baseline && rm -rf "$pout/arch/powerpc/kvm"
pmake W=1 C=2 arch/powerpc/kvm/ > "$plog" 2>&1 || { tail -40 "$plog" >&2; die "ppc64le lint build failed ($plog)"; }
grep -E ': (warning|error):' "$plog" |
	sed -E -e "s#^$SRC/##" -e 's#^(\.\./)+linux/##' -e 's#^([^:]+):[0-9]+:([0-9]+:)? #\1: #' |
	sort | uniq -c | sed -E 's/^ *([0-9]+) /\1\t/' > "$pout/warnings.txt"
if $baseline; then
	cp "$pout/warnings.txt" "$TOP/harness/lint-baseline-ppc64le.txt"
	echo "lint: wrote harness/lint-baseline-ppc64le.txt ($(wc -l < "$pout/warnings.txt") warnings)"
	exit 0
fi
new=$(awk -F'\t' 'NR == FNR { base[$2] = $1; next }
		   $1 > base[$2] + 0 { print $2 " (" $1 - base[$2] " new)" }' \
	"$TOP/harness/lint-baseline-ppc64le.txt" "$pout/warnings.txt")
if [ -n "$new" ]; then
	echo "$new" >&2
	echo "lint: new ppc64le W=1/sparse warnings (above; full log $plog)" >&2
	fail=1
fi

[ $fail = 0 ] && echo "lint: clean"
exit $fail
