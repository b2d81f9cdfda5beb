// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the Linux guest of make bench's real-VMM case: N probe reads of
 * the pvpanic port (0x505), timed with the guest's clock.  Under the test
 * VM's -icount shift=0 a nanosecond is one instruction of the whole stack
 * (guest, the test VM's KVM and QEMU), so "ns per probe" is instructions.
 *
 *   pvpanic-probe N     prints "probe: N reads of 0x505 = 0xV, T ns, T/N ns each"
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <time.h>

static long long ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	unsigned char v = 0;
	long long t0, t;

	if (n <= 0 || ioperm(0x505, 1, 1)) {
		perror("pvpanic-probe: ioperm");
		return 1;
	}
	inb(0x505);	/* warm up */
	t0 = ns();
	for (i = 0; i < n; i++)
		v = inb(0x505);
	t = ns() - t0;
	printf("probe: %ld reads of 0x505 = 0x%x, %lld ns, %lld ns each\n", n, v, t, t / n);
	return 0;
}
