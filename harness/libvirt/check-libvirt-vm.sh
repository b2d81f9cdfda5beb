#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-libvirt, inside the test VM: Debian's libvirt, unchanged, drives
# our QEMU (-accel kvm on our kvm-amd.ko) through its embedded QEMU driver,
# without libvirtd, systemd or dbus.  The guest is make check-qemu's (our
# kernel, /guest/initrd.cpio with harness/qemu/guest-init): it really
# panics, and libvirt does what the domain's <on_crash> says.  Each scenario
# checks what libvirt reports and, in QEMU's trace, that the exit came from
# the kernel device (kvm_pvpanic_exit) and QEMU's own emulation never ran
# (no pvpanic_read/pvpanic_write).  TAP, then "N passed, N failed, N skipped".
X=/run/extra			# the domain templates and qemu.conf (RUN_EXTRA)
D=/tmp/lv			# consoles, traces, virsh output, dumps
R=$D/root			# the embedded driver's root: etc/, run/, lib/, log/
URI="qemu:///embed?root=$R"
DIAG_FILES='$D/$name.virsh $R/log/qemu/$name.log $D/$name.console $D/$name.trace'
CONSOLE='$D/$name.console'
. /usr/share/kvmtest/vm-lib.sh
# Nothing but the kernel device answered: its exit, and QEMU's userspace
# pvpanic register never read or written.
kernel_only() {	# kernel_only EVENTS SPACE: kvm_pvpanic_exit with these, no pvpanic_read/write
	has "kvm_pvpanic_exit .*events $1 space $2" $D/$name.trace &&
		! grep -q 'pvpanic_read\|pvpanic_write' $D/$name.trace
}

# domain TEMPLATE NAME MEM-MiB ON_CRASH KERNEL-CMDLINE: $D/NAME.xml
domain() {
	name=$2
	rm -f $D/$name.*
	sed -e "s#@NAME@#$2#g" -e "s#@MEM@#$3#g" -e "s#@ONCRASH@#$4#g" \
		-e "s#@CMDLINE@#console=ttyS0 quiet $5#g" -e "s#@DIR@#$D#g" $X/$1.xml > $D/$name.xml
}

# session UNTIL AFTER: one virsh process defines and starts $name and follows
# its lifecycle events; once every word of UNTIL holds, SIGINT ends the event
# loop and the same virsh runs "domstate --reason; [AFTER;] undefine".  A word
# is [console:]TEXT[@N]: N lines (1 if not given) of virsh's output (or of
# the guest's console) contain TEXT, with _ for a space.  One process,
# because the embedded driver lives in it: it handles the guest's panic only
# while that virsh is connected.  Sets $vrc (virsh's status) and $ev (the
# pvpanic_events stat just before the SIGINT, while the VM was alive).
session() {
	until=$1 after=$2
	start=$(date +%s)
	virsh -c "$URI" "define $D/$name.xml; start $name; \
		event --domain $name --event lifecycle --loop --timeout ${LV_TIMEOUT:-600}; \
		domstate $name --reason; ${after:+$after; }undefine $name" > $D/$name.virsh 2>&1 &
	vpid=$!
	matched=1
	for u in $until; do
		f=$D/$name.virsh
		case $u in console:*) f=$D/$name.console; u=${u#console:} ;; esac
		want=1
		case $u in *@*) want=${u##*@}; u=${u%@*} ;; esac
		u=$(echo "$u" | tr '_' ' ')
		i=0
		while [ "$(cat $f 2>/dev/null | grep -c -F "$u")" -lt $want ]; do
			kill -0 $vpid 2>/dev/null && [ $i -lt 2400 ] || { matched=0; break 2; }
			sleep 0.1
			i=$((i + 1))
		done
	done
	ev=$(stat_events)
	[ $matched = 1 ] && kill -INT $vpid
	( sleep 120; kill -9 $vpid 2>/dev/null ) &
	k=$!
	wait $vpid
	vrc=$?
	kill $k 2>/dev/null
	# A QEMU that outlived its virsh would hold /dev/kvm and the next
	# scenario's memory: the test VM is ours, end it.
	for p in $(pidof qemu-system-x86_64); do
		echo "# $name: QEMU $p still running after virsh, killed"
		kill -9 $p
	done
	echo "# $name: $(( $(date +%s) - start ))s; pvpanic_events stat: ${ev:-VM gone}; events:" \
		"$(sed -n "s/^event 'lifecycle' for domain '$name': //p" $D/$name.virsh | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
}
# Lines of FILE matching A, then B, in that order.
in_order() { awk -v a="$1" -v b="$2" '$0 ~ a && !x { x = NR } $0 ~ b && x { y = 1 } END { exit !y }' "$3"; }
domstate() { sed -n '/^event loop/,$p' $D/$name.virsh | grep -q "^$1\$"; }

# No libvirt-qemu user on the test VM: libvirt looks its build's default up
# before it reads qemu.conf's user = "root".
mkdir -p /etc $R/etc
echo 'root:x:0:0:root:/root:/bin/sh
libvirt-qemu:x:64055:64055:libvirt-qemu:/var/lib/libvirt:/bin/false' > /etc/passwd
echo 'root:x:0:
kvm:x:108:libvirt-qemu
libvirt-qemu:x:64055:libvirt-qemu' > /etc/group
cp $X/qemu.conf $R/etc/qemu.conf

echo "TAP version 13"
# The first connection probes QEMU's capabilities (cached in $R/cache).
name=probe
start=$(date +%s)
virsh -c "$URI" "version; domcapabilities --machine q35 --virttype kvm" > $D/probe.virsh 2>&1
vrc=$?
sed -n 's/^Using library: /# /p; s/^Running hypervisor: /# hypervisor: /p' $D/probe.virsh
echo "# kernel $(uname -r); capability probe: $(( $(date +%s) - start ))s"
# The panic models libvirt offers for q35 on this QEMU (domcapabilities).
models=$(sed -n '/<panic /,/<\/panic>/s#.*<value>\(.*\)</value>.*#\1#p' $D/probe.virsh | tr '\n' ' ')
echo "# panic models: ${models:-none}"
check "libvirt's embedded QEMU driver accepts our QEMU: KVM, and the PCI panic model on q35" \
	'[ $vrc = 0 ]' 'has "Running hypervisor: QEMU" $D/probe.virsh' \
	'has "<domain>kvm</domain>" $D/probe.virsh' 'case " $models" in *" pvpanic "*) ;; *) false ;; esac'

# 1. pc, <panic model='isa'/>, coredump-destroy: libvirt dumps the crashed
# guest's memory through libvirt_iohelper into its dump directory, then
# destroys it.
domain pc lv-pc 256 coredump-destroy "pvtest=panic"
session "Stopped_Crashed" ""
core=$(ls $R/lib/qemu/dump/*lv-pc* 2>/dev/null | head -1)
echo "# core: ${core:-none}, $(stat -c %s "${core:-/dev/null}") bytes"
check "pc, <panic model='isa'/>, <on_crash>coredump-destroy</on_crash>: Crashed Panicked, a core, Stopped Crashed" \
	'[ $vrc = 0 ]' 'in_order "Crashed Panicked" "Stopped Crashed" $D/$name.virsh' \
	'domstate "shut off (crashed)"' \
	'[ -n "$core" ] && grep -a -q "Kernel panic - not syncing: sysrq triggered crash" "$core"' \
	'has "pvpanic-mmio bound to QEMU0001" $D/$name.console' \
	'kernel_only 0x1 "1 addr 0x505"' guest_clean
rm -f "$core"

# 2. q35, <panic model='pvpanic'/> (pvpanic-pci), preserve: the domain stays
# crashed, and virsh dump takes a kdump-compressed core of it.
domain q35 lv-q35 256 preserve "pvtest=panic"
session "Crashed_Panicked" "dump --memory-only --format kdump-zlib $name $D/$name.kdump; destroy $name"
# QEMU 7.2 writes kdump formats in makedumpfile's flattened layout.
sig=$(head -c 12 $D/$name.kdump 2>/dev/null)
echo "# kdump: $(stat -c %s $D/$name.kdump 2>/dev/null) bytes, starts with '$sig'"
check "q35, <panic model='pvpanic'/>, <on_crash>preserve</on_crash>: crashed (panicked), virsh dump --format kdump-zlib" \
	'[ $vrc = 0 ]' 'has "Crashed Panicked" $D/$name.virsh' 'domstate "crashed (panicked)"' \
	'has "Domain .$name. dumped to $D/$name.kdump" $D/$name.virsh' \
	'[ "$sig" = makedumpfile ] && grep -a -q "KDUMP   " $D/$name.kdump' \
	'has "pvpanic driver pvpanic-pci bound" $D/$name.console' '[ "$ev" = 1 ]' \
	'kernel_only 0x1 2' guest_clean
rm -f $D/$name.kdump

# 3. A crash kernel loaded (make check-qemu's scenario 5): the guest's
# pvpanic driver reports CRASH_LOADED, libvirt says Crashed Crashloaded and
# leaves the domain running (on_crash is for panics), the crash kernel boots.
domain pc lv-crash 384 destroy "pvtest=crash crashkernel=96M crash_kexec_post_notifiers"
session "Crashed_Crashloaded console:guest:_crash_kernel_up" "destroy $name"
check "pc, a crash kernel loaded: Crashed Crashloaded, the domain keeps running, its crash kernel boots" \
	'[ $vrc = 0 ]' 'has "Crashed Crashloaded" $D/$name.virsh' '! has "Crashed Panicked" $D/$name.virsh' \
	'domstate "running (booted)"' 'has "kexec_crash_loaded=1" $D/$name.console' \
	'has "guest: crash kernel up" $D/$name.console' \
	'kernel_only 0x2 "1 addr 0x505"' guest_clean

# 4. restart: libvirt resets the crashed guest and resumes it (a "fake
# reboot": the same QEMU); the guest boots again and panics again, through
# the kernel device wherever the firmware put the PCI BAR this time.
domain q35 lv-restart 256 restart "pvtest=panic"
session "Crashed_Panicked@2" "destroy $name"
check "q35, <on_crash>restart</on_crash>: the guest comes back, and its second panic is reported again" \
	'[ $vrc = 0 ]' '[ "$(count "Crashed Panicked" $D/$name.virsh)" -ge 2 ]' \
	'in_order "Crashed Panicked" "Resumed|Started" $D/$name.virsh' \
	'[ "$(count "^guest: panic" $D/$name.console)" -ge 2 ]' \
	'[ "$(count "kvm_pvpanic_exit .*events 0x1 space 2" $D/$name.trace)" -ge 2 ]' \
	'kernel_only 0x1 2' '[ "${ev:-0}" -ge 2 ]' guest_clean

echo "# $(cut -d. -f1 /proc/uptime)s since the test VM booted"
echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
