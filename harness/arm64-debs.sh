#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# arm64-debs.sh DIR PKG...: Debian's arm64 packages PKG (and nothing they
# depend on, unless named), downloaded with apt-get download into
# $BUILD/arm64-debs and unpacked with dpkg -x into DIR.  Our own apt lists
# ($BUILD/arm64-apt, the machine's Debian entries for arm64): the host's
# dpkg architectures and apt state are left alone.
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: arm64-debs.sh DIR PKG..."
dest=$1; shift
apt=$BUILD/arm64-apt
debs=$BUILD/arm64-debs
mkdir -p "$apt/lists/partial" "$apt/cache" "$debs" "$dest"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt="arch=arm64"
[ -f "$keyring" ] && opt="$opt signed-by=$keyring"
apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
	awk -v o="[$opt] " '$1 == "deb" { print "deb " o $2 " " $3 " " $4 }' |
	sort -u > "$apt/sources.list.new"
[ -s "$apt/sources.list.new" ] || die "the machine's apt sources have no Debian entries"
cmp -s "$apt/sources.list.new" "$apt/sources.list" || mv "$apt/sources.list.new" "$apt/sources.list"
rm -f "$apt/sources.list.new"
aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache::pkgcache="$apt/cache/pkgcache.bin"
	-o Dir::Cache::srcpkgcache="$apt/cache/srcpkgcache.bin" -o APT::Sandbox::User=root
	-o APT::Architecture=arm64 -o APT::Architectures::=arm64)
apt_update() {
	info "apt-get update for arm64 (our lists in $apt)"
	apt-get -qq "${aptopts[@]}" update > "$apt/update.log" 2>&1 ||
		{ cat "$apt/update.log" >&2; die "apt-get update (arm64) failed"; }
}
ls "$apt/lists/"*arm64*Packages* > /dev/null 2>&1 || apt_update

download() {
	(cd "$debs" && apt-get -q "${aptopts[@]}" download "$@" > download.log 2>&1)
}
want=
for p in "$@"; do
	ls "$debs/${p}_"*_arm64.deb > /dev/null 2>&1 || ls "$debs/${p}_"*_all.deb > /dev/null 2>&1 ||
		want="$want $p"
done
if [ -n "$want" ]; then
	info "apt-get download (arm64):$want"
	# Lists older than the archive name versions it no longer has.
	download $want || { apt_update; download $want; } ||
		{ cat "$debs/download.log" >&2; die "apt-get download (arm64) failed"; }
fi
for p in "$@"; do
	for d in "$debs/${p}_"*.deb; do
		dpkg -x "$d" "$dest"
	done
done
