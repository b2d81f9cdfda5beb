#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-config.sh DOTCONFIG FRAGMENT...
# Fail, naming each one, when an option a fragment asks for did not survive
# olddefconfig (a missing dependency silently drops it), as kunit does.
set -euo pipefail
dotconfig=$1; shift

# Later fragments override earlier ones, as merge_config.sh does.
declare -A want
for frag in "$@"; do
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			want[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
			want[${BASH_REMATCH[1]}]=n
		fi
	done < "$frag"
done

bad=0
for opt in "${!want[@]}"; do
	w=${want[$opt]}
	got=$(grep -E "^$opt=" "$dotconfig" | head -1 | cut -d= -f2- || true)
	if [ "$w" = n ]; then
		[ -z "$got" ] || [ "$got" = n ] && continue
	else
		[ "$got" = "$w" ] && continue
	fi
	echo "config: $opt=$w requested, got '${got:-not set}'" >&2
	bad=1
done
[ $bad = 0 ] || { echo "error: $dotconfig lacks options the fragments ask for" >&2; exit 1; }
