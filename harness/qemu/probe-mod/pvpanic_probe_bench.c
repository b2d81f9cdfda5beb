// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's real-VMM case, in the Linux guest: time count= probe reads
 * of the pvpanic port (0x505) the way the pvpanic driver reads it, from the
 * kernel.  Under the test VM's -icount shift=0 a nanosecond of the guest's
 * clock is one instruction of the whole stack (the guest, the test VM's
 * KVM, and QEMU when it answers).  Loading always fails (-EAGAIN) once the
 * result is printed, so the module can be loaded again.
 */
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/module.h>

static unsigned long count = 10000;
module_param(count, ulong, 0444);

static int __init pvpanic_probe_bench_init(void)
{
	unsigned long i;
	u8 v = inb(0x505);
	u64 t0, t;

	t0 = ktime_get_ns();
	for (i = 0; i < count; i++)
		v = inb(0x505);
	t = ktime_get_ns() - t0;
	pr_info("probe: %lu reads of 0x505 = 0x%x, %llu ns, %llu ns each\n",
		count, v, t, count ? t / count : 0);
	return -EAGAIN;
}
module_init(pvpanic_probe_bench_init);

MODULE_DESCRIPTION("Time probe reads of the pvpanic port (make bench)");
MODULE_LICENSE("GPL");
