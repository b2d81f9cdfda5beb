#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-dump: crash reads the vmcore of a guest that panicked.
#   check-dump.sh            build what is missing, run the VM, then crash
#   check-dump.sh --reuse    crash again on the last run's vmcore (no VM)
# Our QEMU boots, inside the test VM, a guest kernel with DWARF (flavour
# x86_64-dwarf, $BUILD/kernel-x86_64-dwarf) that panics through sysrq (check-
# qemu's scenario 1: -M pc, -device pvpanic, -action panic=pause); on
# GUEST_PANICKED, dump-guest-memory writes its memory to an ELF core, which
# leaves the test VM on an NVMe disk of its own (the test kernel's nvme.ko;
# it has no 9p or virtio-blk).  On the host, crash (Debian's source package
# of a later release, harness/crash-source.sh) opens it with that vmlinux:
# bt of the panicking task shows the sysrq crash path into panic(), log the
# panic message, and kmem -i answers.  TAP, then "N passed, N failed,
# N skipped".  Needs make all and make qemu's $BUILD/initramfs-qemu.cpio.
# VMLINUX= opens the core with another vmlinux (the test kernel's, without
# DWARF, shows the check failing).
. "$(dirname "$0")/lib.sh"

dk=$BUILD/kernel-x86_64-dwarf
tk=$BUILD/kernel-x86_64
out=$BUILD/dump-check
core=$out/vmcore
mkdir -p "$out"
n=0 pass=0 fail=0
secs() { echo $(( $(date +%s) - $1 )); }

t=$(date +%s)
"$TOP/harness/crash-source.sh"
crash_s=$(secs "$t")
crash=$BUILD/crash/crash

if [ "${1:-}" != --reuse ]; then
	t=$(date +%s)
	"$TOP/harness/build-kernel.sh" x86_64-dwarf
	kernel_s=$(secs "$t")
	for f in "$BUILD/initramfs-base-x86_64.cpio" "$BUILD/initramfs-qemu.cpio" \
		 "$tk/drivers/nvme/host/nvme.ko" "$tk/drivers/nvme/host/nvme-core.ko"; do
		[ -f "$f" ] || die "$f missing (make all qemu; harness/check-qemu.sh cpio)"
	done

	# The guest's initramfs, as check-qemu.sh makes it: busybox, guest-init,
	# the pvpanic modules of this kernel with modules.alias (busybox depmod).
	gen=$dk/usr/gen_init_cpio
	rel=$(cat "$dk/include/config/kernel.release")
	g=$out/guest-root
	rm -rf "$g"
	mkdir -p "$g/lib/modules/$rel/kernel"
	cp "$dk"/drivers/misc/pvpanic/*.ko "$g/lib/modules/$rel/kernel/"
	busybox depmod -b "$g" "$rel"
	spec=$out/spec
	cpio_spec() {	# cpio_spec DIR... then FILE lines on stdin: "HOST GUEST MODE"
		for d in "$@"; do echo "dir $d 0755 0 0"; done
		while read -r from to mode; do echo "file $to $from $mode 0 0"; done
	}
	{ echo "/bin/busybox /bin/busybox 0755
$TOP/harness/qemu/guest-init /init 0755
$(cd "$g" && find lib -type f | sed "s#.*#$g/& /& 0644#")" |
		cpio_spec /dev /bin /sbin /proc /sys /tmp /lib /lib/modules "/lib/modules/$rel" \
			"/lib/modules/$rel/kernel"
	  echo "nod /dev/console 0600 0 0 c 5 1"
	} > "$spec"
	"$gen" "$spec" > "$out/guest-initrd.cpio"
	# The test VM's extra piece: that guest, and nvme for the way out.
	echo "$dk/arch/x86/boot/bzImage /dump/bzImage 0644
$out/guest-initrd.cpio /dump/initrd.cpio 0644
$tk/drivers/nvme/host/nvme-core.ko /dump/nvme-core.ko 0644
$tk/drivers/nvme/host/nvme.ko /dump/nvme.ko 0644" | cpio_spec /dump > "$spec"
	"$gen" "$spec" > "$out/dump.cpio"

	img=$out/out.img
	rm -f "$img" "$core" "$out"/crash-*
	truncate -s 1G "$img"
	info "booting the test VM: our QEMU, a guest that panics, dump-guest-memory"
	t=$(date +%s)
	vm_rc=0
	QEMU_EXTRA="-drive file=$img,if=none,id=dumpdisk,format=raw -device nvme,drive=dumpdisk,serial=dump" \
		RUN_STRICT=1 TIMEOUT=${TIMEOUT:-900} \
		RUN_INITRD_EXTRA="$BUILD/initramfs-qemu.cpio $out/dump.cpio" \
		"$TOP/harness/run-vm.sh" run "$TOP/harness/qemu/dump-vm.sh" > "$out/vm.log" 2>&1 || vm_rc=$?
	vm_s=$(secs "$t")
	grep '^#' "$out/vm.log" | head -3
	key() { sed -n "s/^$1 //p" "$out/vm.log" | tail -1; }
	size=$(key VMCORE_BYTES)
	if [ "$vm_rc" = 0 ] && [ "$(key PANICKED)" = 1 ] && [ -n "$size" ] &&
	   [ "$(key NVME_WRITTEN)" = "$size" ]; then
		tap OK "the guest's panic is GUEST_PANICKED; dump-guest-memory wrote a core of $size bytes"
	else
		tap FAIL "the guest's panic is GUEST_PANICKED; dump-guest-memory wrote a core (test VM exit $vm_rc)" "$out/vm.log"
	fi
	echo "# guest: $(key GUEST_PANIC_LINE) (${vm_s}s in the test VM)"
	[ -n "$size" ] && head -c "$size" "$img" > "$core"
	rm -f "$img"
	if [ -s "$core" ] && [ "$(md5sum < "$core" | cut -d' ' -f1)" = "$(key VMCORE_MD5)" ] &&
	   [ "$(od -A n -t x1 -N 4 "$core" | tr -d ' ')" = 7f454c46 ]; then
		tap OK "the core reached the host intact (NVMe disk, md5sum), an ELF file"
	else
		tap FAIL "the core reached the host intact (NVMe disk, md5sum), an ELF file"
	fi
fi

# crash, commands from a file; each command's output to a file of its own.
vmlinux=${VMLINUX:-$dk/vmlinux}
cmds=$out/crash.cmds
cat > "$cmds" <<-EOF
	sys > $out/crash-sys.txt
	bt > $out/crash-bt.txt
	log | grep "Kernel panic - not syncing" > $out/crash-log.txt
	kmem -i > $out/crash-kmem.txt
	quit
EOF
rm -f "$out"/crash-*.txt
info "crash $vmlinux $core"
t=$(date +%s)
crash_rc=0
[ -s "$core" ] && timeout 600 "$crash" -s -i "$cmds" "$vmlinux" "$core" \
	> "$out/crash.log" 2>&1 < /dev/null || crash_rc=$?
run_s=$(secs "$t")
if [ "$crash_rc" = 0 ] && [ -s "$out/crash-sys.txt" ]; then
	tap OK "crash $("$crash" --version 2>/dev/null | sed -n 's/^crash \([0-9.]*\).*/\1/p' | head -1) opens the vmcore with ${vmlinux#"$BUILD"/}"
else
	tap FAIL "crash opens the vmcore with ${vmlinux#"$BUILD"/} (exit $crash_rc)" "$out/crash.log"
fi
sed -n 's/^ *\(PANIC\|RELEASE\): /# sys: \1: /p' "$out/crash-sys.txt" 2>/dev/null || true
grep -E '^(crash|WARNING):' "$out/crash.log" 2>/dev/null | sed 's/^/# crash said: /' || true
# The panicking task's stack, innermost first: panic(), called by sysrq's
# crash handler (sysrq_handle_crash: crash names it only when the return
# address lies inside it, and its call to panic() is its last instruction),
# called by __handle_sysrq(), from a write to /proc/sysrq-trigger.
bt=$out/crash-bt.txt
frames=$(sed -n 's/^ *#[0-9]* \[[0-9a-f]*\] \([A-Za-z0-9_.]*\) at .*/\1/p' "$bt" 2>/dev/null | tr '\n' ' ' || true)
case " $frames" in
*" panic "*"__handle_sysrq write_sysrq_trigger "*)
	tap OK "bt of the panicking task: write_sysrq_trigger, __handle_sysrq, then panic() (sysrq_handle_crash tail-calls it: no frame)" ;;
*)	tap FAIL "bt of the panicking task: write_sysrq_trigger, __handle_sysrq, then panic() (sysrq_handle_crash tail-calls it: no frame)" "$out/crash.log"
	echo "# frames: ${frames:-none}" ;;
esac
sed 's/^/#   /' "$bt" 2>/dev/null || true
if grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$out/crash-log.txt" 2>/dev/null; then
	tap OK "log: Kernel panic - not syncing: sysrq triggered crash"
else
	tap FAIL "log: Kernel panic - not syncing: sysrq triggered crash" "$out/crash.log"
fi
if grep -E -q '^ *TOTAL MEM +[0-9]+ ' "$out/crash-kmem.txt" 2>/dev/null; then
	tap OK "kmem -i: $(grep -E '^ *TOTAL MEM' "$out/crash-kmem.txt" | tr -s ' ' | sed 's/^ //')"
else
	tap FAIL "kmem -i answers (TOTAL MEM)" "$out/crash.log"
fi
echo "1..$n"
echo "# times: crash ${crash_s}s (build, or 0 when cached), dwarf kernel ${kernel_s:-0}s, test VM ${vm_s:-0}s, crash run ${run_s}s"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
