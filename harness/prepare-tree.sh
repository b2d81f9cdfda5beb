#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build $SRC = linux-source-6.12 + our new files + patches/series.
#
# The package is extracted once into $PRISTINE.  The overlay (new files and
# every file the series touches) is assembled in a scratch directory and then
# copied into $SRC only where the content changed, so a rebuild recompiles
# just what we edited.  Files we overlaid last time and no longer do are put
# back from $PRISTINE (or removed when upstream does not have them).
. "$(dirname "$0")/lib.sh"

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing: run 'make deps' (apt-get install $BASE_PKG)"
version=$(dpkg-query -W -f='${Version}' "$BASE_PKG")

if [ "$(cat "$PRISTINE/.base-version" 2>/dev/null)" != "$version" ]; then
	info "extracting $BASE_PKG $version"
	rm -rf "$PRISTINE" "$SRC"
	mkdir -p "$PRISTINE"
	tar -xJf "$BASE_TARBALL" -C "$PRISTINE" --strip-components=1
	echo "$version" > "$PRISTINE/.base-version"
fi
if [ ! -f "$SRC/.base-version" ]; then
	info "copying pristine tree"
	rm -rf "$SRC"
	cp -a "$PRISTINE" "$SRC"
	: > "$SRC/.overlay-files"
fi

stage=$(mktemp -d "$BUILD/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# 1. Our new files, at their kernel-tree paths.
our_files | while read -r f; do
	[ -f "$TOP/$f" ] || continue
	[ -e "$PRISTINE/$f" ] && die "$f exists upstream: change it through patches/, not a copy"
	mkdir -p "$stage/$(dirname "$f")"
	cp "$TOP/$f" "$stage/$f"
done

# 2. The series, applied strictly (no fuzz) onto pristine copies.  A patch
# may also change a new file that an earlier patch adds (so that each patch
# of the posted series builds, see harness/make-series.sh); those files are
# already here in their final form, so such hunks are left out.
series=$TOP/patches/series
ours=$(our_files | tr '\n' ' ')
if [ -f "$series" ]; then
	grep -v -e '^#' -e '^[[:space:]]*$' "$series" | while read -r p; do
		pf=$TOP/patches/$p
		[ -f "$pf" ] || die "patches/series names $p, which does not exist"
		sed -n -e 's#^--- a/##p' -e 's#^+++ b/##p' "$pf" | sort -u | while read -r f; do
			[ -e "$stage/$f" ] && continue
			[ -e "$PRISTINE/$f" ] || continue
			mkdir -p "$stage/$(dirname "$f")"
			cp "$PRISTINE/$f" "$stage/$f"
		done
		if ! out=$(without_new_files "$ours" < "$pf" | patch -d "$stage" -p1 --batch \
				--forward --fuzz=0 --no-backup-if-mismatch -r - 2>&1); then
			echo "$out" >&2
			die "patches/$p does not apply to $BASE_PKG $version (see the FAILED hunk above)"
		fi
	done
fi

# 3. Sync the overlay into $SRC by content.
(cd "$stage" && find . -type f | sed 's#^\./##' | sort) > "$stage.list"
trap 'rm -rf "$stage" "$stage.list"' EXIT
while read -r f; do
	if ! cmp -s "$stage/$f" "$SRC/$f"; then
		mkdir -p "$SRC/$(dirname "$f")"
		cp "$stage/$f" "$SRC/$f"
	fi
done < "$stage.list"
# Undo what we overlaid before and no longer do.
comm -23 <(sort "$SRC/.overlay-files") "$stage.list" | while read -r f; do
	if [ -e "$PRISTINE/$f" ]; then
		cmp -s "$PRISTINE/$f" "$SRC/$f" || cp "$PRISTINE/$f" "$SRC/$f"
	else
		rm -f "$SRC/$f"
	fi
done
cp "$stage.list" "$SRC/.overlay-files"
echo "$version" > "$SRC/.base-version"
echo "$version" > "$BUILD/base-version"
