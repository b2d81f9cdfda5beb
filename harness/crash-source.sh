#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# crash-source.sh: the crash utility for make check-dump, built from Debian's
# source package of the next release into $BUILD/crash/crash (once; a
# second run finds it and does nothing).
#
# Debian 12's crash 8.0.2 cannot open a 6.12 vmcore (the 6.4 module-layout
# change, __start_init_stack); 8.0.6 or later can.  Debian's later releases
# have it as a source package: trixie's index lists 8.0.6-1, but the
# registry serves only its .orig.tar.gz (the .dsc and .debian.tar.xz are
# 404), so the version pinned in harness/crash-version is forky's and sid's
# 9.0.2+~16.3-1 (crash 9.0.2 with gdb 16.3), whole.  apt-get source needs a
# deb-src entry for those suites: this script writes one that mirrors the
# machine's Debian entries (the same URIs and Signed-By, Types: deb-src,
# Suites: $CRASH_SUITES, Components: main; the host names come from those
# entries only) into an apt configuration of its own under $BUILD/crash-apt
# (its own sources, lists and cache).  The machine's apt never sees it: no
# binary package of a later release can be installed through it, and the
# system's lists are untouched.
#
# The build dependencies come from Debian 12 (apt-get install): crash's own
# Makefile builds it (no debhelper), with the gdb source that the package
# carries (its orig-gdb component).
. "$(dirname "$0")/lib.sh"

CRASH_VERSION=${CRASH_VERSION:-$(cat "$TOP/harness/crash-version")}
SUITES=${CRASH_SUITES:-trixie forky sid}
out=$BUILD/crash
stamp=$out/.kvm-pvpanic-crash

if [ -x "$out/crash" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$CRASH_VERSION" ]; then
	exit 0
fi

# Build dependencies (debian/control's Build-Depends less debhelper, which
# the package's rules need and crash's Makefile does not).
"$TOP/harness/install-deps.sh" --only build-essential dpkg-dev bison flex gawk texinfo \
	binutils-dev zlib1g-dev libncurses-dev liblzo2-dev libsnappy-dev libzstd-dev \
	libgmp-dev libmpfr-dev

apt_dir=$BUILD/crash-apt
rm -rf "$apt_dir/sources.list.d"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
# The machine's own apt options, with sources, lists and cache of our own.
APT=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
     -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
     -o APT::Sandbox::User=root)

src=$apt_dir/sources.list.d/later-src.sources
# deb822 stanzas of Types: deb for the release itself (Suites holds the
# machine's release codename alone, not -updates or -security), Debian's
# keyring: Types: deb-src, Suites: the later releases, Components: main.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
awk -v rel="$codename" -v suite="$SUITES" '
	function field(name,   f) {	# the value of NAME: in this stanza, padded with blanks
		if (!match($0, "(^|\n)" name ":[^\n]*")) return ""
		f = substr($0, RSTART, RLENGTH); sub(/^\n?[^:]*:/, "", f)
		return " " f " "
	}
	BEGIN { RS = ""; ORS = "\n\n" }
	field("Types") ~ /[ \t]deb[ \t]/ && /debian-archive-keyring/ &&
	field("Suites") ~ ("[ \t]" rel "[ \t]") {
		sub(/Types:[^\n]*/, "Types: deb-src"); sub(/Suites:[^\n]*/, "Suites: " suite)
		sub(/Components:[^\n]*/, "Components: main"); print }' \
	/etc/apt/sources.list.d/*.sources > "$src" 2>/dev/null || true
# One-line sources.list entries: deb URI RELEASE ... -> deb-src URI SUITE main.
for l in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$l" ] || continue
	awk -v rel="$codename" -v suites="$SUITES" \
		'$1 == "deb" && /debian/ { for (i = 2; i <= NF; i++) if ($i == rel) {
			o = "deb-src"; for (j = 2; j < i; j++) o = o " " $j
			n = split(suites, s, " ")
			for (k = 1; k <= n; k++) print o " " s[k] " main"; break } }' "$l"
done > "${src%.sources}.list"
[ -s "${src%.sources}.list" ] || rm -f "${src%.sources}.list"
[ -s "$src" ] || rm -f "$src"
ls "$apt_dir/sources.list.d/"* >/dev/null 2>&1 ||
	die "no Debian entry for $codename in /etc/apt to mirror for the sources of $SUITES"

info "apt-get update (deb-src of $SUITES only, in $apt_dir)"
apt-get "${APT[@]}" update -q > "$apt_dir/update.log" 2>&1 ||
	{ cat "$apt_dir/update.log" >&2; die "apt-get update for the sources of $SUITES failed"; }

dl=$BUILD/crash-dl
rm -rf "$dl"
mkdir -p "$dl"
info "apt-get source crash=$CRASH_VERSION"
(cd "$dl" && apt-get "${APT[@]}" source -q --download-only "crash=$CRASH_VERSION" > apt.log 2>&1) || {
	cat "$dl/apt.log" >&2
	echo "available: $(apt-get "${APT[@]}" -q showsrc crash 2>/dev/null | sed -n 's/^Version: //p' | xargs)" >&2
	die "apt-get source crash=$CRASH_VERSION failed: is that version still published in $SUITES?"
}
dsc=$(ls "$dl"/crash_*.dsc)
(cd "$dl" && dpkg-source --no-check -x "$dsc" src > dpkg-source.log 2>&1) ||
	{ cat "$dl/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }

info "building crash $CRASH_VERSION (with its gdb; nice -n 19, -j${CRASH_JOBS:-2})"
start=$(date +%s)
cd "$dl/src"
if ! nice -n 19 make -j"${CRASH_JOBS:-2}" target=X86_64 ${CRASH_MAKE_ARGS:-} > "$dl/build.log" 2>&1; then
	tail -60 "$dl/build.log" >&2
	die "crash build failed (full log: $dl/build.log)"
fi
rm -rf "$out"
mkdir -p "$out"
cp crash "$out/crash"
echo "$CRASH_VERSION" > "$stamp"
info "crash $CRASH_VERSION: $out/crash ($(( $(date +%s) - start ))s to build)"
