#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# export-series.sh: the inverse of make series, for editing the series as a
# git history.  After `make series`, commit, rebase or reword in
# $BUILD/series-git (the main series follows the fixes), then run this: it
# writes back
#   patches/NNNN-*.patch   one per commit after the fixes, named and
#                          numbered as git format-patch would, without the
#                          diff of each new file in the patch that adds it
#   patches/series         the fixes' lines, then the new names
#   patches/new-files      the introducing patch of each new file, renamed
#   the new files          their form at the tip of the history
# A new file is one that is not in the base commit.  A commit that adds one
# which patches/new-files does not list yet is its introducing patch.
. "$(dirname "$0")/lib.sh"

repo=$BUILD/series-git
[ -d "$repo/.git" ] || die "no $repo: run make series first"
list=$(grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series")
nfix=$(echo "$list" | grep -c '^fixes/' || true)
fixtip=$(git -C "$repo" rev-parse "base~0")
[ "$nfix" -gt 0 ] && fixtip=$(git -C "$repo" rev-list --reverse base..HEAD | sed -n "${nfix}p")
commits=$(git -C "$repo" rev-list --reverse "$fixtip..HEAD")
total=$(echo "$commits" | wc -l)
newfiles=$TOP/patches/new-files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The introducing patch of each new file, by its subject (names change).
declare -A intro_subject
while read -r p f; do
	if [ "$p" = - ]; then
		intro_subject[$f]=-
	elif [ -f "$TOP/patches/$p" ]; then
		intro_subject[$f]=$(git mailinfo /dev/null /dev/null < "$TOP/patches/$p" | sed -n 's/^Subject: //p')
	fi
done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$newfiles")

n=0
: > "$tmp/series"
: > "$tmp/new-files"
for c in $commits; do
	n=$((n + 1))
	subject=$(git -C "$repo" log -1 --format=%s "$c")
	added=$(git -C "$repo" diff --name-only --diff-filter=A "$c~1" "$c")
	name=$(printf '%04d-%s.patch' "$n" "$(git -C "$repo" log -1 --format=%f "$c" | cut -c1-52)")
	skip=()
	for f in $added; do
		s=${intro_subject[$f]:-}
		if [ -z "$s" ] || [ "$s" = "$subject" ]; then
			skip+=(":(exclude)$f")
			echo "$f" >> "$tmp/added.$n"
		fi
	done
	git -C "$repo" format-patch -q --zero-commit --no-signature --abbrev=9 --stdout -1 "$c" \
		--subject-prefix="PATCH $(printf '%02d' "$n")/$total" -- . "${skip[@]}" > "$tmp/$name"
	echo "$name" >> "$tmp/series"
	if [ -f "$tmp/added.$n" ]; then
		while read -r f; do echo "$name $f"; done < "$tmp/added.$n" >> "$tmp/new-files"
	fi
done

# Files the series never adds but we keep (the "-" lines) stay as they are.
rm -f "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/[0-9][0-9][0-9][0-9]-*.patch "$TOP/patches/"
{
	sed -n '1,/^[^#]/{/^#/p}' "$TOP/patches/series"
	echo "$list" | grep '^fixes/'
	cat "$tmp/series"
} > "$tmp/series.new"
mv "$tmp/series.new" "$TOP/patches/series"
# new-files: its leading comment, the new lines, then the rest of the old
# file less its patch lines (comments and the "-" lines).
awk -v new="$tmp/new-files" '
	!head_done && /^#/ { print; next }
	!head_done { head_done = 1; while ((getline l < new) > 0) print l }
	/^[0-9][0-9][0-9][0-9]-/ { next }
	{ print }
	END { if (!head_done) while ((getline l < new) > 0) print l }' "$newfiles" > "$tmp/nf.new"
mv "$tmp/nf.new" "$newfiles"
for f in $(git -C "$repo" diff --name-only --diff-filter=A base HEAD); do
	mkdir -p "$TOP/$(dirname "$f")"
	git -C "$repo" show "HEAD:$f" > "$TOP/$f"
done
info "exported $total patches into patches/"
