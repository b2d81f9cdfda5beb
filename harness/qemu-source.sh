#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debian's own QEMU source, the version of the installed qemu-system-x86,
# with Debian's patches applied (dpkg-source -x), then our series
# (qemu/patches/series) as a git history in $BUILD/qemu-src.
#
# apt-get source needs a deb-src entry.  If the machine has none, add one
# that mirrors its existing Debian entries (Types: deb-src, the same URIs,
# suites and components); the host names come from those entries only.
. "$(dirname "$0")/lib.sh"

QSRC=$BUILD/qemu-src
QDL=$BUILD/qemu-dl
SERIES=$TOP/qemu/patches

# The series is written against one Debian version: the one installed.
want=$(cat "$TOP/harness/qemu/qemu-base-version")
have=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null) ||
	die "qemu-system-x86 is not installed (make deps)"
[ "$have" = "$want" ] ||
	die "qemu/patches is written against Debian's qemu $want; this machine has $have.
Rebase qemu/patches onto $have and update harness/qemu/qemu-base-version (or install qemu-system-x86=$want)."

stamp=$QSRC/.kvm-pvpanic-base
if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	rm -rf "$QSRC" "$QDL"
	mkdir -p "$QDL"
	if ! apt-get source --print-uris "qemu=$want" >/dev/null 2>&1; then
		[ "$(id -u)" = 0 ] || die "no deb-src entry for Debian's qemu; as root, add one mirroring your Debian entries"
		src=/etc/apt/sources.list.d/kvm-pvpanic-deb-src.sources
		info "adding $src (deb-src mirroring the Debian entries)"
		# deb822 stanzas of Types: deb whose Signed-By is Debian's keyring.
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types:[^\n]*deb/ && /debian-archive-keyring/ {
			sub(/Types:[^\n]*/, "Types: deb-src"); print }' \
			/etc/apt/sources.list.d/*.sources > "$src.tmp" 2>/dev/null || true
		# One-line sources.list entries: deb URI SUITE... -> deb-src URI SUITE...
		if [ -f /etc/apt/sources.list ]; then
			grep -E '^deb[[:space:]].*debian' /etc/apt/sources.list |
				sed 's/^deb/deb-src/' > "${src%.sources}.list" || true
			[ -s "${src%.sources}.list" ] || rm -f "${src%.sources}.list"
		fi
		if [ -s "$src.tmp" ]; then mv "$src.tmp" "$src"; else rm -f "$src.tmp"; fi
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
	fi
	info "apt-get source qemu=$want"
	(cd "$QDL" && apt-get source -q --download-only "qemu=$want" > "$QDL/apt.log" 2>&1) || {
		cat "$QDL/apt.log" >&2
		die "apt-get source qemu=$want failed: is that version still published?"
	}
	dsc=$(ls "$QDL"/qemu_*.dsc)
	(cd "$QDL" && dpkg-source --no-check -x "$dsc" src > dpkg-source.log 2>&1) ||
		{ cat "$QDL/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
	mv "$QDL/src" "$QSRC"
	(cd "$QSRC" && git init -q && git add -A -f . &&
	 git -c user.name=base -c user.email=base@localhost commit -q \
		--date='2000-01-01T00:00:00Z' -m "qemu $want (Debian, patches applied)" &&
	 git tag base)
	echo "$want" > "$stamp"
fi

# Our series onto the base, when it changed (the tree is exactly the series;
# unchanged files keep their mtimes, so ninja rebuilds only what changed).
cd "$QSRC"
sum=$(cat "$SERIES/series" $(sed -n 's#^\([^#].*\)#'"$SERIES"'/\1#p' "$SERIES/series" 2>/dev/null) \
	2>/dev/null | sha256sum | cut -c1-16)
[ "$(cat .git/kvm-pvpanic-series 2>/dev/null)" = "$sum" ] && exit 0
git checkout -q --detach base 2>/dev/null || git reset -q --hard base
git reset -q --hard base
git clean -q -fdx -e .kvm-pvpanic-base
if [ -s "$SERIES/series" ]; then
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		git -c user.name=x -c user.email=x@localhost am -q --committer-date-is-author-date \
			"$SERIES/$p" || { git am --abort; die "qemu/patches/$p does not apply to Debian's qemu $want"; }
	done < "$SERIES/series"
fi
echo "$sum" > .git/kvm-pvpanic-series
info "qemu source: $QSRC (Debian $want + $(grep -cvE '^(#|$)' "$SERIES/series" 2>/dev/null || echo 0) patches)"
