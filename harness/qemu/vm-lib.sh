# SPDX-License-Identifier: GPL-2.0
# Sourced inside the test VM by the scenarios that run our QEMU with a Linux
# guest that panics: harness/qemu/check-qemu-vm.sh and check-arm64-vm.sh,
# harness/libvirt/check-libvirt-vm.sh.  TAP helpers and QEMU/QMP helpers.
# The caller sets:
#   DIAG_FILES   the files (a shell word list, expanded at failure time)
#                whose last lines a failed check shows
#   CONSOLE      the guest's console log, for guest_clean
# and, for qemu(): Q (the QEMU binary), T (the scenario's file prefix) and
# QEMU_GUEST (the -kernel/-initrd/console/firmware part of its command).
n=0 pass=0 fail=0 skip=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $1"; }
not_ok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"
	for f in $(eval echo "$DIAG_FILES"); do
		[ -s "$f" ] || continue
		echo "# --- ${f#/tmp/}:"
		tail -n 25 "$f" | cut -c1-200 | sed 's/^/#   /'
	done
}
# Its own variables start with _: the conditions test the scenarios' ($r...).
check() {	# check DESCRIPTION CONDITION...: ok if every condition held
	_d=$1; shift
	_r=0
	for _c in "$@"; do
		eval "$_c" || { _r=1; echo "# failed: $_c"; }
	done
	if [ $_r = 0 ]; then ok "$_d"; else not_ok "$_d"; fi
}
has() { grep -q "$1" "$2" 2>/dev/null; }
count() { grep -c "$1" "$2" 2>/dev/null; }
# The guest's own log is judged up to the panic it was asked for (after it,
# the Oops and the panic are the point): no warning, BUG, Oops or stall, and
# no XSAVE consistency complaint (-cpu qemu64 everywhere on x86: with -cpu
# host or EPYC, a guest nested under TCG reports a size mismatch).
guest_clean() {
	! sed '/^guest: panic/q' "$(eval echo "$CONSOLE")" | grep -E -q \
		'WARNING:|BUG:|Oops|Call Trace|rcu_.*stall|XSAVE consistency problem'
}
# The VM's pvpanic_events stat (KVM's debugfs; the VM must be alive).
stat_events() { cat /sys/kernel/debug/kvm/*-*/pvpanic_events 2>/dev/null | head -1; }

# qemu PVTEST QEMU-ARGS...: start QEMU in the background ($qpid), its
# guest's console in $T.console, QMP on $T.sock, its trace in $T.trace.
# The guest's init (harness/qemu/guest-init) does what pvtest= says.
qemu() {
	pvtest=$1; shift
	rm -f $T.*
	${QPRE:-} $Q -accel kvm -m ${QMEM:-256M} -smp 1 -nodefaults -no-user-config -display none \
		$QEMU_GUEST \
		-append "$GUEST_CONSOLE pvtest=$pvtest pvcount=${pvcount:-0} quiet ${QAPPEND:-}" \
		-serial file:$T.console -qmp unix:$T.sock,server=on,wait=off \
		-trace 'pvpanic_*' -trace 'kvm_pvpanic_*' -trace 'pci_update_mappings_*' \
		-trace 'pci_nvme_create_*' -D $T.trace "$@" \
		</dev/null >$T.err 2>&1 &
	qpid=$!
}
qmp() { qmp-client $T.sock -t 120 "$@" >> $T.qmp.log 2>&1; }
wait_for() {	# wait_for PATTERN FILE SECONDS
	i=0
	while ! has "$1" "$2"; do
		[ $i -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
quit() { qmp-client $T.sock -t 20 '{"execute": "quit"}' >/dev/null 2>&1; qwait; }
qwait() {	# QEMU's exit status in $qrc (killed after 60 s)
	( sleep 60; kill -9 $qpid 2>/dev/null ) &
	k=$!
	wait $qpid
	qrc=$?
	kill $k 2>/dev/null
}

# Where pvpanic-pci's BAR 0 was mapped (pci_update_mappings_*), change by
# change, against where the kernel device was placed (kvm_pvpanic_place):
# the same sequence of states ("-" for nowhere), and no failed placement.
follows_bar() {
	awk '
	function st(x) { if (x != last[k]) { seq[k] = seq[k] " " x; last[k] = x } }
	$1 == "pci_update_mappings_del" && $2 == "pvpanic-pci" && $4 ~ /^0,/ { k = "bar"; st("-") }
	$1 == "pci_update_mappings_add" && $2 == "pvpanic-pci" && $4 ~ /^0,/ {
		a = $4; sub(/^0,/, "", a); sub(/\+.*/, "", a); k = "bar"; st(a) }
	$1 == "kvm_pvpanic_place" { if ($6 != 0) bad = 1; k = "kvm"; st($3) }
	$1 == "kvm_pvpanic_remove" { if ($2 != 0) bad = 1; k = "kvm"; st("-") }
	END {
		print "#   BAR 0:  " seq["bar"]; print "#   kernel: " seq["kvm"]
		exit !(seq["bar"] == seq["kvm"] && !bad && seq["bar"] != "") }' $T.trace
}
