# SPDX-License-Identifier: GPL-2.0
# Shared settings for the harness scripts; sourced, never run.
#
# BUILD is the output directory (the Makefile passes O= through as BUILD).
# Everything the harness produces lives below it; the repository stays clean.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SRC=$BUILD/linux			# patched tree, never built in (O= builds)
PRISTINE=$BUILD/linux-pristine		# the package's tree, untouched
BASE_PKG=linux-source-6.12
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=${JOBS:-$(nproc)}

# Directories of the kernel tree that may hold files we wrote.
OVERLAY_DIRS="virt arch include tools Documentation drivers"

# Make variables from the top-level make must not leak into kbuild or the
# selftests (O= in particular means something else there).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES O 2>/dev/null || true

die() { echo "error: $*" >&2; exit 1; }
info() { echo "==> $*"; }

# Use ccache when it is installed (it is on the package list, but a user
# may have removed it).
if command -v ccache >/dev/null 2>&1; then
	HOSTCC_WRAP="ccache "
	# kbuild with O= passes absolute paths; relative to $BUILD they are the
	# same in every checkout, so a second clone hits the same cache.
	export CCACHE_BASEDIR="$BUILD" CCACHE_NOHASHDIR=1
else
	HOSTCC_WRAP=""
fi

# Files we wrote at kernel-tree paths (tracked or new, not ignored).
our_files() {
	(cd "$TOP" && { git ls-files -co --exclude-standard -- $OVERLAY_DIRS 2>/dev/null ||
		find $OVERLAY_DIRS -type f 2>/dev/null || true; })
}

# without_new_files "PATH...": a patch on stdin, less the diffs of the given
# files (our new files: the repository holds their final form).
without_new_files() {
	awk -v ours="$1" '
		BEGIN { n = split(ours, o, " "); for (i = 1; i <= n; i++) skip_file[o[i]] = 1 }
		/^diff --git a\// { f = substr($3, 3); skip = (f in skip_file) }
		!skip { print }'
}

# The selftests we wrote: every *_test.c of ours in the KVM selftests tree,
# as paths relative to tools/testing/selftests/kvm without .c.  The powerpc
# ones are make check-ppc's; the aarch64 ones make check-arm64's, which
# asks for them with project_tests arm64.
project_tests() {
	local sel='-v -e ^powerpc/ -e ^aarch64/'
	[ "${1:-}" = arm64 ] && sel='-e ^aarch64/'
	our_files | sed -n 's#^tools/testing/selftests/kvm/\(.*_test\)\.c$#\1#p' | grep $sel | sort |
		awk 'NR == FNR { if ($1 !~ /^#/ && NF) { t = $1; $1 = ""; a[t] = $0 } next }
		     { print $1 a[$1] }' "$TOP/harness/project-test-args" -
}

# TAP for host-side checks: the caller sets n (last number used) and
# pass=0 fail=0.  tap OK|FAIL DESCRIPTION [OUTPUT-FILE]: a failure shows the
# last 60 lines of OUTPUT-FILE as diagnostics.
tap() {
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"; pass=$((pass + 1))
	else
		echo "not ok $n $2"; fail=$((fail + 1))
		[ -z "${3:-}" ] || tail -60 "$3" | sed 's/^/# /'
	fi
}

# What a kernel must never print.  Any match fails a check run.
BAD_LOG='WARNING:|BUG:|BUG |Oops|Kernel panic|KASAN|UBSAN|general protection fault|'\
'kmemleak: [0-9]+ new suspected|unreferenced object|INFO: task .* blocked|rcu: INFO|'\
'rcu_.* detected stall|Call Trace:|suspicious RCU usage|possible recursive locking|'\
'circular locking dependency|list_add corruption|list_del corruption|stack-protector|'\
'segfault at .* in kvm|refcount_t:'

# Lines that match BAD_LOG but report no problem of the kernel under test:
# Debian's stock kernel prints its SRSO mitigation advice with "WARNING:".
BENIGN_LOG='Speculative Return Stack Overflow: WARNING: See '

bad_log_lines() {	# bad_log_lines LOG: print what BAD_LOG matches (with context); succeed if any
	grep -E -v "$BENIGN_LOG" "$1" 2>/dev/null | grep -E -A25 "$BAD_LOG" | head -150 | grep . || return 1
}

# gen_init_cpio spec lines, appended to the file $spec.  spec_add HOSTFILE
# GUESTPATH MODE adds the file, after a "dir" line for each parent directory
# that the spec does not have yet.
spec_dirs() {	# spec_dirs GUESTPATH
	local d acc= p
	d=$(dirname "$1")
	IFS=/ read -ra parts <<< "${d#/}"
	for p in "${parts[@]}"; do
		acc=$acc/$p
		grep -qxF "dir $acc 0755 0 0" "$spec" || echo "dir $acc 0755 0 0" >> "$spec"
	done
}
spec_add() {	# spec_add HOSTFILE GUESTPATH MODE
	spec_dirs "$2"
	echo "file $2 $1 $3 0 0" >> "$spec"
}
