// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the Linux guest of make bench's real-VMM case: N probe reads of
 * the pvpanic-pci register (BAR 0, through /dev/mem), timed with the
 * guest's clock.  Under the test VM's -icount shift=0 a nanosecond is one
 * instruction of the whole stack (guest, the test VM's KVM and QEMU), so
 * "ns per probe" is instructions.
 *
 *   pvpanic-probe N ADDR   prints "probe: N reads of ADDR = 0xV, T ns, T/N ns each"
 *
 * (The port is read by pvpanic_probe_bench.ko instead: in a nested guest
 * under TCG, a user-mode IN that ioperm() permits faults; see
 * harness/qemu/bench-qemu-vm.sh.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long long ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : 0, i;
	unsigned long addr = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned char *reg;
	unsigned char v = 0;
	long long t0, t;
	void *map;
	int fd;

	if (n <= 0 || !addr) {
		fprintf(stderr, "usage: pvpanic-probe N ADDR\n");
		return 2;
	}
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, page, PROT_READ, MAP_SHARED, fd, addr & ~(page - 1));
	if (map == MAP_FAILED) {
		perror("pvpanic-probe: /dev/mem");
		return 1;
	}
	reg = (volatile unsigned char *)map + (addr & (page - 1));
	v = *reg;	/* warm up */
	t0 = ns();
	for (i = 0; i < n; i++)
		v = *reg;
	t = ns() - t0;
	printf("probe: %ld reads of 0x%lx = 0x%x, %lld ns, %lld ns each\n", n, addr, v, t, t / n);
	return 0;
}
