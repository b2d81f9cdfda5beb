#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-dump, inside the test VM: our QEMU boots the DWARF guest kernel
# (/dump/bzImage, /dump/initrd.cpio: harness/qemu/guest-init, pvtest=panic)
# on our kvm-amd.ko as in check-qemu's scenario 1; on GUEST_PANICKED, QMP's
# dump-guest-memory writes its memory to an ELF core, which goes to the
# host on the test VM's NVMe disk (raw, from its first byte).  Prints
# "KEY value" lines for harness/check-dump.sh, and "# " diagnostics.
Q=/usr/bin/qemu-system-x86_64
T=/tmp/d
core=/tmp/vmcore

diag() {
	for f in $T.console $T.qmp.log $T.err; do
		[ -s "$f" ] || continue
		echo "# --- ${f#/tmp/}:"
		tail -n 25 "$f" | cut -c1-200 | sed 's/^/#   /'
	done
}

echo "# $($Q --version | head -1), kernel $(uname -r)"
start=$(date +%s)
$Q -accel kvm -m 256M -smp 1 -nodefaults -no-user-config -display none \
	-L /usr/share/qemu-fw -kernel /dump/bzImage -initrd /dump/initrd.cpio \
	-append "console=ttyS0 pvtest=panic quiet" \
	-serial file:$T.console -qmp unix:$T.sock,server=on,wait=off \
	-M pc -cpu qemu64 -device pvpanic -action panic=pause \
	</dev/null >$T.err 2>&1 &
qpid=$!
qmp-client $T.sock -t 240 event:GUEST_PANICKED '{"execute": "query-status"}' \
	'{"execute": "dump-guest-memory", "arguments": {"paging": false, "protocol": "file:'$core'"}}' \
	> $T.qmp.log 2>&1
r=$?
qmp-client $T.sock -t 20 '{"execute": "quit"}' >/dev/null 2>&1
( sleep 60; kill -9 $qpid 2>/dev/null ) &
k=$!
wait $qpid
kill $k 2>/dev/null
echo "PANICKED $(grep -c '"event": "GUEST_PANICKED"' $T.qmp.log)"
echo "GUEST_PANIC_LINE $(grep -m1 'Kernel panic - not syncing' $T.console | sed 's/^\[[^]]*\] //')"
echo "GUEST_SECONDS $(( $(date +%s) - start ))"
if [ $r != 0 ] || [ ! -s $core ]; then
	echo "QMP_FAILED $r"
	diag
	exit 1
fi
size=$(wc -c < $core)
echo "VMCORE_BYTES $size"
echo "VMCORE_MD5 $(md5sum < $core | cut -d' ' -f1)"

# The test VM's NVMe disk (harness/check-dump.sh's QEMU_EXTRA).
insmod /dump/nvme-core.ko && insmod /dump/nvme.ko || { echo "NVME_FAILED insmod"; exit 1; }
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/nvme0n1 ] || { echo "NVME_FAILED no /dev/nvme0n1"; dmesg | tail -20 | sed 's/^/#   /'; exit 1; }
disk=$(( $(cat /sys/block/nvme0n1/size) * 512 ))
[ "$disk" -ge "$size" ] || { echo "NVME_FAILED disk of $disk bytes < $size"; exit 1; }
dd if=$core of=/dev/nvme0n1 bs=1M conv=fsync 2>$T.dd || { echo "NVME_FAILED dd"; cat $T.dd; exit 1; }
sync
echo "NVME_WRITTEN $size"
