#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# abi-guard.sh STOCK_VMLINUX OUR_OBJECT
#
# Our kvm.ko must lay out the KVM structs exactly as the stock kernel image
# it loads into does, wherever that image touches them: Debian's vmlinux has
# kernel/entry/kvm.c built in, and its xfer_to_guest_mode_handle_work()
# inlines kvm_handle_signal_exit(), compiled as (6.12.117 cloud-amd64)
#	mov    0x68(%r12),%rax		vcpu->run
#	movl   $0xa,0x8(%rax)		run->exit_reason = KVM_EXIT_INTR
#	addq   $0x1,0x1840(%r12)	vcpu->stat.signal_exits++
# So every member of these structs in the stock image's BTF must be at the
# same offset with the same size in OUR_OBJECT's DWARF (our kvm.ko, built
# against that kernel's headers), and a member only we have must come after
# the end of the stock struct: append, never insert, reorder or resize.
# Prints one line per struct and each difference, naming the member; exits
# 1 on any difference.
. "$(dirname "$0")/lib.sh"

STRUCTS="kvm_vcpu kvm_vcpu_stat kvm_vcpu_stat_generic kvm_run kvm kvm_vm_stat kvm_vm_stat_generic"
# The members the stock image reads or writes itself (see above).
READ_BY_VMLINUX="kvm_vcpu.run kvm_vcpu.stat kvm_vcpu_stat.signal_exits kvm_run.exit_reason"

stock=$1 ours=$2
[ -f "$stock" ] || die "abi-guard: $stock: no such file"
[ -f "$ours" ] || die "abi-guard: $ours: no such file"
command -v pahole >/dev/null || die "abi-guard: pahole missing (apt-get install dwarves)"

# pahole's C-like output -> "struct member offset size" per top-level
# member, plus "struct .size N".  Top-level members are the lines indented
# by exactly one tab; a nested struct or union counts as one member, named
# by the line that closes it ("anon@OFFSET" when it has no name).
layout() {	# layout FORMAT FILE
	local list
	list=$(echo $STRUCTS | tr ' ' ,)
	pahole -F "$1" -C "$list" "$2" | awk '
	/^struct [a-z_0-9]+ \{/ { s = $2; next }
	/^};/ { s = ""; next }
	s != "" && /^\t\/\* size: / { sub(/,.*/, "", $3); print s, ".size", $3, 0; next }
	s == "" || !/^\t[^\t\/]/ || !/;/ { next }
	{
		decl = $0; sub(/;.*/, "", decl); sub(/[ \t]*__attribute__.*/, "", decl)
		n = split(decl, w, /[ \t*]+/); name = w[n]
		sub(/\[.*/, "", name); sub(/:.*/, "", name)
		c = $0; sub(/.*\/\*/, "", c); sub(/\*\/.*/, "", c)
		m = split(c, f, /[ \t]+/); j = 0
		for (i = 1; i <= m; i++) if (f[i] != "") g[++j] = f[i]
		off = g[1]; size = g[j]
		if (off ~ /:$/) off = off g[2]	# bitfield: byte:bit
		if (name == "}" || name == "") name = "anon@" off
		print s, name, off, size
	}'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
layout btf "$stock" > "$tmp/stock" || die "abi-guard: pahole cannot read BTF from $stock"
layout dwarf "$ours" > "$tmp/ours" || die "abi-guard: pahole cannot read DWARF from $ours"

# A parse that found nothing must not pass: the members the stock image
# uses have to be there.
for f in $READ_BY_VMLINUX; do
	grep -q "^${f%%.*} ${f#*.} " "$tmp/stock" ||
		die "abi-guard: found no $f in the BTF of $stock (pahole output changed?)"
done

bad=0
for s in $STRUCTS; do
	if ! grep -q "^$s " "$tmp/stock"; then
		echo "abi-guard: struct $s: not in the stock image's BTF, not checked"
		continue
	fi
	grep -q "^$s " "$tmp/ours" || { echo "abi-guard: struct $s: missing from $ours"; bad=1; continue; }
	ssize=$(awk -v s="$s" '$1 == s && $2 == ".size" { print $3 }' "$tmp/stock")
	out=$(awk -v s="$s" -v ssize="$ssize" -v hot="$READ_BY_VMLINUX" '
	BEGIN { n = split(hot, h, " "); for (i = 1; i <= n; i++) vm[h[i]] = 1 }
	FNR == NR { if ($1 == s && $2 != ".size") { so[$2] = $3; ss[$2] = $4; order[++k] = $2 } next }
	$1 == s && $2 != ".size" { oo[$2] = $3; os[$2] = $4 }
	END {
		for (i = 1; i <= k; i++) {
			m = order[i]
			why = ((s "." m) in vm) ? " (read by the stock vmlinux)" : ""
			if (!(m in oo))
				printf "  %s.%s: at %s in the stock image, missing from ours%s\n", s, m, so[m], why
			else if (oo[m] != so[m] || os[m] != ss[m])
				printf "  %s.%s: offset %s size %s in the stock image, offset %s size %s in ours%s\n", \
					s, m, so[m], ss[m], oo[m], os[m], why
		}
		for (m in oo)
			if (!(m in so) && oo[m] + 0 < ssize + 0)
				printf "  %s.%s: new member at offset %s, inside the stock struct (size %s): append new members at the end\n", \
					s, m, oo[m], ssize
	}' "$tmp/stock" "$tmp/ours")
	if [ -n "$out" ]; then
		echo "abi-guard: struct $s differs from the stock image:"
		echo "$out"
		bad=1
	else
		echo "abi-guard: struct $s: the stock layout is unchanged ($ssize bytes; ours $(awk -v s="$s" '$1 == s && $2 == ".size" { print $3 }' "$tmp/ours"))"
	fi
done
exit $bad
