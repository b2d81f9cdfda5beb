#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series: the series as it would be posted, in $BUILD/series/.
#
#   $BUILD/series-git     a git history: one base commit (linux-source-6.12,
#                         reproducible: fixed author and dates), then one
#                         commit per line of patches/series
#   $BUILD/series/fixes/  git format-patch of the fixes (patches/fixes/)
#   $BUILD/series/*.patch the main series, with its cover letter
#                         (patches/cover-letter), --base: it applies on top
#                         of the fixes
#
# Every new file (patches/new-files) is added by the patch that introduces
# it, in the form that patch needs: its final form in this repository less
# what later patches change in it (their hunks for it, reverse-applied).
# Nothing here is edited by hand; the history must end in exactly the tree
# harness/prepare-tree.sh builds, or this fails.
. "$(dirname "$0")/lib.sh"

"$TOP/harness/prepare-tree.sh"
version=$(cat "$PRISTINE/.base-version")
upstream=$(make -s -C "$PRISTINE" kernelversion 2>/dev/null)
repo=$BUILD/series-git
out=$BUILD/series
list=$(grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series")
newfiles=$TOP/patches/new-files

git_() { git -C "$repo" -c user.name="$GIT_NAME" -c user.email="$GIT_EMAIL" "$@"; }
# The committer of every commit is the patches' author (git am keeps it).
info=$(git mailinfo /dev/null /dev/null < "$TOP/patches/$(echo "$list" | head -1)")
GIT_NAME=$(echo "$info" | sed -n 's/^Author: //p')
GIT_EMAIL=$(echo "$info" | sed -n 's/^Email: //p')
[ -n "$GIT_EMAIL" ] || die "no author in the first patch"

# 1. The base commit, made once per linux-source-6.12 version.  Same tree,
# author and dates on every machine, so the same hash: --base names it.
if [ "$(git -C "$repo" log -1 --format=%B base 2>/dev/null | sed -n 's/.*(Debian \(.*\))$/\1/p')" != "$version" ]; then
	info "series: base commit from $BASE_PKG $version"
	rm -rf "$repo"
	mkdir -p "$repo"
	rsync -a --exclude=/.base-version "$PRISTINE/" "$repo/"
	git -C "$repo" init -q
	# The tree's own .gitignore (Debian's ignores every top-level entry).
	git -C "$repo" add -f -A .
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git_ -c user.name="$BASE_PKG" -c user.email="$BASE_PKG@debian.invalid" \
		commit -q -m "Linux $upstream (Debian $version)"
	git -C "$repo" tag base
fi
git -C "$repo" checkout -q -f --detach base
git -C "$repo" clean -q -f -d -x

# 2. Each new file as its introducing patch adds it: the final form, less
# the hunks of every later patch, reverse-applied from the last one down.
early=$(mktemp -d "$BUILD/.series-early.XXXXXX")
trap 'rm -rf "$early"' EXIT
intro_of() { awk -v f="$1" '$2 == f { print $1 }' "$newfiles"; }
index_of() { echo "$list" | grep -nxF "$1" | cut -d: -f1; }
grep -v -e '^#' -e '^[[:space:]]*$' "$newfiles" | while read -r p f; do
	[ -f "$TOP/$f" ] || die "patches/new-files: $f does not exist"
	[ "$p" = - ] && continue
	echo "$list" | grep -qx "$p" || die "patches/new-files: $p is not in patches/series"
	mkdir -p "$early/$(dirname "$f")"
	cp "$TOP/$f" "$early/$f"
done
our_files | while read -r f; do
	[ -n "$(intro_of "$f")" ] || die "$f is not in patches/new-files: say which patch adds it, or - "
done
# hunks_for FILE < PATCH: that file's diff in the patch
hunks_for() {
	awk -v f="$1" '/^diff --git a\// { on = (substr($3, 3) == f) } /^-- $/ { on = 0 } on'
}
after_intro=
for p in $(echo "$list" | tac); do
	for f in $(sed -n 's#^diff --git a/\([^ ]*\) .*#\1#p' "$TOP/patches/$p"); do
		intro=$(intro_of "$f")
		[ -n "$intro" ] && [ "$intro" != - ] || continue
		# The introducing patch must come before this one.
		[ "$(index_of "$intro")" -lt "$(index_of "$p")" ] ||
			die "patches/$p changes $f, which $intro only adds later (or at the same time)"
		hunks_for "$f" < "$TOP/patches/$p" |
			patch -s -R -p1 -d "$early" --fuzz=0 --no-backup-if-mismatch -r - ||
			die "patches/$p: its hunks for $f do not reverse-apply to the later form"
	done
done

# 3. One commit per patch, with committer = author (stable hashes).
for p in $list; do
	GIT_COMMITTER_DATE=$(sed -n 's/^Date: //p' "$TOP/patches/$p" | head -1) \
		git_ am -q --keep-cr --committer-date-is-author-date "$TOP/patches/$p" ||
		{ git -C "$repo" am --abort 2>/dev/null; die "patches/$p does not apply in the series"; }
	added=$(awk -v p="$p" '$1 == p { print $2 }' "$newfiles")
	if [ -n "$added" ]; then
		for f in $added; do
			mkdir -p "$repo/$(dirname "$f")"
			cp "$early/$f" "$repo/$f"
			git -C "$repo" add -f "$f"
		done
		date=$(git -C "$repo" log -1 --format=%aD)
		GIT_COMMITTER_DATE=$date git_ commit -q --amend --no-edit --allow-empty
	fi
done
git -C "$repo" branch -f series HEAD

# 4. The history must end in the tree prepare-tree.sh builds.
bad=0
for f in $(git -C "$repo" diff --name-only base HEAD); do
	cmp -s "$repo/$f" "$SRC/$f" || { echo "series: $f differs from $SRC/$f" >&2; bad=1; }
done
for f in $(our_files); do
	[ "$(intro_of "$f")" = - ] && continue
	cmp -s "$repo/$f" "$TOP/$f" || { echo "series: $f differs from the repository's" >&2; bad=1; }
done
[ $bad = 0 ] || die "the series does not end in the tree we build"

# 5. The patches.
nfix=$(echo "$list" | grep -c '^fixes/' || true)
fixtip=$(git -C "$repo" rev-parse "HEAD~$(( $(echo "$list" | wc -l) - nfix ))")
rm -rf "$out"
mkdir -p "$out/fixes"
if [ "$nfix" -gt 0 ]; then
	git -C "$repo" format-patch -q --base=base -o "$out/fixes" "base..$fixtip"
fi
git -C "$repo" format-patch -q --cover-letter --base=base -o "$out" "$fixtip..HEAD"

# The cover letter: patches/cover-letter (subject line, blank line, body),
# addressed as scripts/get_maintainer.pl says for the series.
cover=$out/0000-cover-letter.patch
subject=$(head -1 "$TOP/patches/cover-letter")
patches=$(ls "$out"/*.patch | grep -v '/0000-cover-letter.patch$')
# shellcheck disable=SC2086
to=$(cd "$repo" && scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
	--no-l --no-r --no-multiline --separator ', ' $patches 2>/dev/null || true)
# shellcheck disable=SC2086
cc=$(cd "$repo" && scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
	--no-m --no-multiline --separator ', ' $patches 2>/dev/null || true)
[ -n "$to" ] || die "scripts/get_maintainer.pl found no maintainer for the series"
awk -v subject="$subject" -v to="$to" -v cc="$cc" -v body="$TOP/patches/cover-letter" '
	/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject); print "To: " to; if (cc != "") print "Cc: " cc; print; next }
	/^\*\*\* BLURB HERE \*\*\*$/ { n = 0; while ((getline l < body) > 0) if (n++ >= 2) print l; next }
	{ print }' "$cover" > "$cover.new"
mv "$cover.new" "$cover"
grep -q '\*\*\*' "$cover" && die "cover letter still has a placeholder"

info "series: $(ls "$out"/*.patch | wc -l) files in $out (cover letter included), $nfix in $out/fixes"
echo "base: $(git -C "$repo" rev-parse base) (Linux $upstream, Debian $version)"
