#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-series: every prefix of the posted series ($BUILD/series-git,
# from make series: the fixes, then the main series) builds.
#
# For each commit, in a worktree, incrementally and with ccache:
#  - x86_64 (the 'make' config: KVM, KVM_AMD, KVM_INTEL as modules):
#    vmlinux + modules, when the commit touches kernel code outside
#    arch/powerpc; then arch/x86/kvm (virt/kvm with it) again with W=1 and
#    sparse in a second output directory, against harness/lint-baseline.txt;
#  - ppc64le (the 'make ppc' config: KVM-HV and KVM-PR as modules): the same
#    when it touches kernel code outside arch/x86, against
#    harness/lint-baseline-ppc64le.txt;
#  - arm64 (the 'make arm64' config: KVM built in, no modules): vmlinux and
#    arch/arm64/kvm with W=1 and sparse, when it touches kernel code outside
#    arch/x86 and arch/powerpc, against harness/lint-baseline-arm64.txt;
#  - the x86_64 and arm64 KVM selftests (static) and tools/kvm/kvm_events,
#    when it touches tools/ or a uapi header.
# At the end of the series, also arch/x86/kvm without CONFIG_NET (no event
# feed) and arch/powerpc/kvm with KVM_BOOK3S_64 but neither HV nor PR
# (KVM_PVPANIC=n), and checkpatch --strict on every generated patch.
# Output: TAP, then "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

repo=$BUILD/series-git
[ -d "$repo/.git" ] || die "no $repo: run 'make series' first"
# checkpatch checks new files' SPDX lines with scripts/spdxcheck.py in a git tree.
"$TOP/harness/install-deps.sh" --only python3-ply python3-git
# The worktree and the output directories sit side by side, as build/linux
# and build/kernel-* do: the same relative paths, so ccache hits for every
# file the series leaves as it was.
top=$BUILD/series-tree
wt=$top/linux
log=$top/log
mkdir -p "$log"
[ -f "$BUILD/kernel-x86_64/.config" ] || die "no x86_64 kernel config: run 'make' first"
[ -f "$BUILD/kernel-ppc64le/.config" ] || die "no ppc64le kernel config: run 'make ppc' first"
[ -f "$BUILD/kernel-arm64/.config" ] || die "no arm64 kernel config: run 'make arm64' first"

mkdir -p "$top/tools"
if [ ! -d "$wt" ]; then
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q -f --detach "$wt" base
fi

x86=(ARCH=x86 CC="${HOSTCC_WRAP}gcc" HOSTCC="${HOSTCC_WRAP}gcc")
ppc=(ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu-
     CC="${HOSTCC_WRAP}powerpc64le-linux-gnu-gcc" HOSTCC="${HOSTCC_WRAP}gcc")
a64=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
     CC="${HOSTCC_WRAP}aarch64-linux-gnu-gcc" HOSTCC="${HOSTCC_WRAP}gcc")

# kconf NAME CONFIG ARGS...: output directory NAME with that .config
kconf() {
	local name=$1 cfg=$2 out=$top/$1
	shift 2
	mkdir -p "$out"
	cmp -s "$cfg" "$out/.config.want" || { cp "$cfg" "$out/.config"; cp "$cfg" "$out/.config.want"; }
	make -C "$wt" O="$out" -j"$JOBS" "$@" -s olddefconfig > /dev/null
}

# kbuild NAME LOG ARGS... TARGETS...: build in series-NAME
kbuild() {
	local name=$1 out=$top/$1 lg=$2
	shift 2
	make -C "$wt" O="$out" -j"$JOBS" "$@" > "$lg" 2>&1
}

# w1 NAME BASELINE DIR ARGS...: rebuild DIR with W=1 + sparse (C=1: what
# changed); any warning beyond BASELINE's count for it is new.
w1() {
	local name=$1 base=$2 dir=$3 lg
	shift 3
	lg=$log/$k-$name-w1.log
	kbuild "lint-$name" "$lg" "$@" W=1 C=1 "$dir/" || return 1
	{ grep -E ': (warning|error):' "$lg" || true; } |
		sed -E -e "s#^$wt/##" -e 's#^(\.\./)+linux/##' -e 's#^([^:]+):[0-9]+:([0-9]+:)? #\1: #' |
		sort | uniq -c | sed -E 's/^ *([0-9]+) /\1\t/' |
		awk -F'\t' 'NR == FNR { base[$2] = $1; next }
			    $1 > base[$2] + 0 { print $2; bad = 1 } END { exit bad }' "$base" - > "$lg.new"
}

n=0 pass=0 fail=0
ok() { tap OK "$1"; }
nok() { tap FAIL "$1" "$2"; }

# arch_build NAME BASELINE KVM-DIR ARGS...: prefix $k ($subj) on one arch:
# vmlinux and modules (vmlinux alone with TARGETS=vmlinux), then the KVM
# directory with W=1 and sparse.
arch_build() {
	local name=$1 base=$2 dir=$3
	shift 3
	if kbuild "kernel-$name" "$log/$k-$name.log" "$@" ${TARGETS:-vmlinux modules}; then
		ok "$k/$total $name builds: $subj"
	else
		grep -E -B2 -A4 'error' "$log/$k-$name.log" | tail -40 > "$log/$k-$name.err"
		nok "$k/$total $name builds: $subj" "$log/$k-$name.err"
	fi
	if w1 "$name" "$base" "$dir" "$@"; then
		ok "$k/$total $name KVM W=1 + sparse clean: $subj"
	else
		nok "$k/$total $name KVM W=1 + sparse clean: $subj" "$log/$k-$name-w1.log.new"
	fi
}

commits=$(git -C "$repo" rev-list --reverse base..series)
total=$(echo "$commits" | wc -l)
kconf kernel-x86_64 "$BUILD/kernel-x86_64/.config" "${x86[@]}"
kconf lint-x86_64 "$BUILD/kernel-x86_64/.config" "${x86[@]}"
kconf kernel-ppc64le "$BUILD/kernel-ppc64le/.config" "${ppc[@]}"
kconf lint-ppc64le "$BUILD/kernel-ppc64le/.config" "${ppc[@]}"
kconf kernel-arm64 "$BUILD/kernel-arm64/.config" "${a64[@]}"
kconf lint-arm64 "$BUILD/kernel-arm64/.config" "${a64[@]}"
start=$(date +%s)
k=0
for c in $commits; do
	k=$((k + 1))
	subj=$(git -C "$repo" log -1 --format=%s "$c")
	git -C "$wt" checkout -q -f --detach "$c"
	changed=$(git -C "$repo" diff --name-only "$c~1" "$c")
	kernel_x86=$(echo "$changed" | grep -v -E '^(Documentation|tools|arch/powerpc)/' || true)
	kernel_ppc=$(echo "$changed" | grep -v -E '^(Documentation|tools|arch/x86)/' || true)
	kernel_a64=$(echo "$changed" | grep -v -E '^(Documentation|tools|arch/x86|arch/powerpc)/' || true)
	user=$(echo "$changed" | grep -E '^(tools/|include/uapi/|arch/x86/include/uapi/)' || true)
	what=
	if [ -n "$kernel_x86" ] || [ $k = 1 ]; then
		what+=" x86_64"
		arch_build x86_64 "$TOP/harness/lint-baseline.txt" arch/x86/kvm "${x86[@]}"
	fi
	if [ -n "$kernel_ppc" ] || [ $k = 1 ]; then
		what+=" ppc64le"
		arch_build ppc64le "$TOP/harness/lint-baseline-ppc64le.txt" arch/powerpc/kvm "${ppc[@]}"
	fi
	if [ -n "$kernel_a64" ] || [ $k = 1 ]; then
		what+=" arm64"
		TARGETS=vmlinux arch_build arm64 "$TOP/harness/lint-baseline-arm64.txt" arch/arm64/kvm "${a64[@]}"
	fi
	if [ -n "$user" ]; then
		what+=" selftests"
		usr=$top/usr
		if make -C "$wt" O="$top/kernel-x86_64" "${x86[@]}" INSTALL_HDR_PATH="$usr" \
				headers_install > "$log/$k-headers.log" 2>&1 &&
		   make -C "$wt/tools/testing/selftests/kvm" -j"$JOBS" OUTPUT="$top/selftests-x86_64" \
				INSTALL_HDR_PATH="$usr" KHDR_INCLUDES="-isystem $usr/include" \
				CC="${HOSTCC_WRAP}gcc" EXTRA_CFLAGS=-static > "$log/$k-selftests.log" 2>&1; then
			ok "$k/$total KVM selftests build: $subj"
		else
			grep -E -B2 -A4 'error' "$log/$k-selftests.log" "$log/$k-headers.log" | tail -40 > "$log/$k-selftests.err"
			nok "$k/$total KVM selftests build: $subj" "$log/$k-selftests.err"
		fi
		usr64=$top/usr-arm64
		if make -C "$wt" O="$top/kernel-arm64" "${a64[@]}" INSTALL_HDR_PATH="$usr64" \
				headers_install > "$log/$k-headers-arm64.log" 2>&1 &&
		   make -C "$wt/tools/testing/selftests/kvm" -j"$JOBS" ARCH=arm64 \
				CROSS_COMPILE=aarch64-linux-gnu- OUTPUT="$top/selftests-arm64" \
				INSTALL_HDR_PATH="$usr64" KHDR_INCLUDES="-isystem $usr64/include" \
				CC="${HOSTCC_WRAP}aarch64-linux-gnu-gcc" EXTRA_CFLAGS=-static \
				> "$log/$k-selftests-arm64.log" 2>&1; then
			ok "$k/$total arm64 KVM selftests build: $subj"
		else
			grep -E -B2 -A4 'error' "$log/$k-selftests-arm64.log" "$log/$k-headers-arm64.log" |
				tail -40 > "$log/$k-selftests-arm64.err"
			nok "$k/$total arm64 KVM selftests build: $subj" "$log/$k-selftests-arm64.err"
		fi
		if [ -f "$wt/tools/kvm/kvm_events/Makefile" ]; then
			if make -C "$wt/tools/kvm/kvm_events" OUTPUT="$top/tools/" \
					CC="${HOSTCC_WRAP}gcc" EXTRA_CFLAGS="-isystem $usr/include -Werror" \
					> "$log/$k-tools.log" 2>&1; then
				ok "$k/$total tools/kvm/kvm_events builds: $subj"
			else
				nok "$k/$total tools/kvm/kvm_events builds: $subj" "$log/$k-tools.log"
			fi
		fi
	fi
	echo "# $k/$total ${c:0:12} built:${what:- nothing (documentation only)}"
done

# The end of the series in two more configurations, KVM directories only.
git -C "$wt" checkout -q -f --detach series
# conf_off NAME BASE-CONFIG OFF... -- MUST-BE-OFF...: NAME's .config is the
# base with the first options off; the second list must then be off too.
conf_off() {
	local name=$1 cfg=$2 out=$top/$1 o
	shift 2
	mkdir -p "$out"
	cp "$cfg" "$out/.config.in"
	while [ "$1" != -- ]; do
		"$wt/scripts/config" --file "$out/.config.in" --disable "$1"; shift
	done
	shift
	cmp -s "$out/.config.in" "$out/.config.want" ||
		{ cp "$out/.config.in" "$out/.config"; cp "$out/.config.in" "$out/.config.want"; }
	for o in "$@"; do echo "$o"; done > "$out/.must-be-off"
}
check_off() {	# check_off NAME: the options that must be off are
	local out=$top/$1 o
	while read -r o; do
		grep -q "^CONFIG_$o=" "$out/.config" && return 1
	done < "$out/.must-be-off"
	return 0
}
conf_off x86-nonet "$BUILD/kernel-x86_64/.config" NET -- NET KVM_EVENTS_NETLINK
make -C "$wt" O="$top/x86-nonet" "${x86[@]}" -s olddefconfig > /dev/null
if check_off x86-nonet && grep -q '^CONFIG_KVM=m' "$top/x86-nonet/.config" &&
   kbuild x86-nonet "$log/x86-nonet.log" "${x86[@]}" W=1 arch/x86/kvm/; then
	ok "series end: x86_64 arch/x86/kvm without CONFIG_NET (no event feed)"
else
	nok "series end: x86_64 arch/x86/kvm without CONFIG_NET (no event feed)" "$log/x86-nonet.log"
fi
conf_off ppc-nopvpanic "$BUILD/kernel-ppc64le/.config" KVM_BOOK3S_64_HV KVM_BOOK3S_64_PR -- KVM_PVPANIC
make -C "$wt" O="$top/ppc-nopvpanic" "${ppc[@]}" -s olddefconfig > /dev/null
if check_off ppc-nopvpanic && grep -q '^CONFIG_KVM_BOOK3S_64=m' "$top/ppc-nopvpanic/.config" &&
   kbuild ppc-nopvpanic "$log/ppc-nopvpanic.log" "${ppc[@]}" W=1 arch/powerpc/kvm/; then
	ok "series end: ppc64le arch/powerpc/kvm with KVM_PVPANIC=n (neither HV nor PR)"
else
	nok "series end: ppc64le arch/powerpc/kvm with KVM_PVPANIC=n (neither HV nor PR)" "$log/ppc-nopvpanic.log"
fi

# checkpatch on what would be sent (the new files are in the patches now).
# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is raised for any new
# file; what it asks is checked directly instead: MAINTAINERS already names
# a maintainer for every file the series adds.
newf=$(git -C "$repo" diff --name-only --diff-filter=A base series)
nomaint=$(cd "$wt" && for f in $newf; do
	scripts/get_maintainer.pl --no-git --no-git-fallback --no-l --no-r -f "$f" 2>/dev/null |
		grep -q . || echo "$f"
done)
if [ -z "$nomaint" ]; then
	ok "MAINTAINERS covers all $(echo "$newf" | wc -w) files the series adds"
else
	echo "$nomaint" > "$log/nomaint.txt"
	nok "MAINTAINERS covers all files the series adds" "$log/nomaint.txt"
fi
for p in "$BUILD"/series/fixes/*.patch "$BUILD"/series/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	name=${p#"$BUILD"/series/}
	# The history has one base commit, not upstream's: checkpatch cannot
	# look up a Fixes: tag's commit (UNKNOWN_COMMIT_ID), see lint.sh.
	if (cd "$wt" && scripts/checkpatch.pl --strict --quiet --no-summary --show-types \
			--color=never --ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$p") \
			> "$log/checkpatch.out" 2>&1; then
		ok "checkpatch --strict: $name"
	else
		nok "checkpatch --strict: $name" "$log/checkpatch.out"
	fi
done

echo "1..$n"
echo "# check-series: $(( $(date +%s) - start ))s"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
