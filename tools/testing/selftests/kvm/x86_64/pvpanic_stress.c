// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvpanic_stress: the in-kernel pvpanic device under concurrent abuse.
 *
 * Eight vCPUs issue a seeded random stream of accesses (widths 1, 2, 4 and,
 * on MMIO, 8; reads and writes; random values) at every address the device
 * may occupy and at the bytes around them, while one host thread keeps
 * moving, re-masking, removing and re-enabling the device (and makes
 * invalid calls that must fail), and another registers and removes
 * ioeventfds on and next to those addresses.  Meanwhile whole VMs with the
 * device enabled are created, run and killed with their vCPUs inside
 * KVM_RUN.  Then, with the configuration held still, every vCPU writes
 * events and none may be lost.
 *
 * Checked on every exit: a KVM_EXIT_PVPANIC carries only known, non-zero
 * event bits and an address the device had; a one-byte KVM_EXIT_IO/MMIO at
 * the device's address happens only if the device moved during that
 * KVM_RUN.  At the end the pvpanic_events stat equals the exits seen.
 *
 * Bounded and reproducible: -s SEED (default fixed, printed), -n OPS per
 * vCPU, -v VMS to kill; -R and -I leave out the reconfiguring and the
 * ioeventfd threads.  Operations per second are printed as information only.
 *
 * Not a TEST_GEN_PROGS test: it needs a kernel-level view of failure (a
 * splat anywhere fails it), so the project harness runs it on the debug
 * kernel (make stress, the last part of make check-debug).  It runs there
 * under single-threaded TCG (-accel tcg,thread=single).  Under QEMU 7.2's
 * multi-threaded TCG (-cpu EPYC,+svm, 2 CPUs) about half of the runs end
 * with a vCPU's KVM_EXIT_SHUTDOWN (a guest triple fault, RIP 0xfff0) or a
 * vCPU that never exits again -- also with -v 0 -R -I, and also, in a
 * control run, with the device never enabled -- and once the L1 kernel's
 * own memory was corrupted (a CFS run-queue list_add corruption in an
 * hrtimer wakeup, then a KASAN null-ptr-deref, no KASAN report before it).
 * Single-threaded, 5 runs of 5 were clean.  The cost: L1's CPUs interleave
 * only where TCG switches between them, so a race that needs two host CPUs
 * at once is less likely to show here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define NR_VCPUS	8
#define MMIO_GPA	0xc0000000ull
#define PIO		KVM_PVPANIC_SPACE_PIO
#define MMIO		KVM_PVPANIC_SPACE_MMIO
#define STILL_WRITES	200

/* Where the device may be; the guest also hits the byte before and after. */
static const struct place { uint64_t space, addr; } places[] = {
	{ PIO, 0x505 }, { PIO, 0x605 }, { MMIO, MMIO_GPA + 0x10 }, { MMIO, MMIO_GPA + 0x810 },
};

#define NR_PLACES	ARRAY_SIZE(places)

static uint64_t nr_ops = 10000;		/* random accesses per vCPU */
static uint64_t nr_churn_vms = 32;
static bool do_reconfig = true, do_ioeventfds = true;
static uint64_t seed = 0x5eed;

/* Guest */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void guest_pio(uint16_t port, int width, bool write, uint64_t v)
{
	uint32_t r;

	switch (width * 2 + write) {
	case 2:
		asm volatile("inb %w1, %b0" : "=a"(r) : "d"(port));
		break;
	case 3:
		asm volatile("outb %b0, %w1" : : "a"(v), "d"(port));
		break;
	case 4:
		asm volatile("inw %w1, %w0" : "=a"(r) : "d"(port));
		break;
	case 5:
		asm volatile("outw %w0, %w1" : : "a"(v), "d"(port));
		break;
	case 8:
		asm volatile("inl %w1, %0" : "=a"(r) : "d"(port));
		break;
	case 9:
		asm volatile("outl %0, %w1" : : "a"((uint32_t)v), "d"(port));
		break;
	}
	(void)r;
}

static void guest_mmio(uint64_t addr, int width, bool write, uint64_t v)
{
	void *p = (void *)addr;

	switch (width * 2 + write) {
	case 2:
		READ_ONCE(*(uint8_t *)p);
		break;
	case 3:
		WRITE_ONCE(*(uint8_t *)p, v);
		break;
	case 4:
		READ_ONCE(*(uint16_t *)p);
		break;
	case 5:
		WRITE_ONCE(*(uint16_t *)p, v);
		break;
	case 8:
		READ_ONCE(*(uint32_t *)p);
		break;
	case 9:
		WRITE_ONCE(*(uint32_t *)p, v);
		break;
	case 16:
		READ_ONCE(*(uint64_t *)p);
		break;
	case 17:
		WRITE_ONCE(*(uint64_t *)p, v);
		break;
	}
}

static void guest_access(uint64_t space, uint64_t addr, int width, bool write, uint64_t v)
{
	if (space == PIO)
		guest_pio(addr, width, write, v);
	else
		guest_mmio(addr, width, write, v);
}

static void guest_code(uint64_t s, uint64_t n, uint64_t mask)
{
	static const int pio_widths[] = { 1, 1, 2, 4 }, mmio_widths[] = { 1, 1, 2, 4, 8 };
	uint64_t i, expected = 0;

	/* Phase 1: random accesses while the host reconfigures. */
	for (i = 0; i < n; i++) {
		const struct place *p = &places[rnd(&s) % NR_PLACES];
		uint64_t addr = p->addr + rnd(&s) % 3 - 1;
		int width = p->space == PIO ? pio_widths[rnd(&s) % 4] : mmio_widths[rnd(&s) % 5];

		guest_access(p->space, addr, width, rnd(&s) & 1, rnd(&s));
	}
	GUEST_SYNC(1);

	/* Phase 2: the device held at places[0] with @mask; count what must exit. */
	for (i = 0; i < STILL_WRITES; i++) {
		uint8_t v = rnd(&s);

		guest_access(PIO, places[0].addr, 1, true, v);
		expected += !!(v & mask);
	}
	GUEST_SYNC(expected);
	GUEST_DONE();
}

/* Host */

static struct kvm_vm *vm;
/* Odd while the device is being reconfigured; bumped around every change. */
static atomic_uint config_seq;
static struct place config;		/* valid while config_seq is even */
static bool config_on;
static atomic_bool phase1_done;
static atomic_uint vcpus_in_phase1 = NR_VCPUS;
static atomic_ulong nr_reconfigs, nr_invalid, nr_ioeventfds;

static bool is_place(uint64_t space, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < NR_PLACES; i++)
		if (places[i].space == space && places[i].addr == addr)
			return true;
	return false;
}

struct vcpu_ctx {
	struct kvm_vcpu *vcpu;
	uint64_t pvpanic_exits, still_exits, expected_still;
	bool still;
};

static void check_user_exit(struct kvm_vcpu *vcpu, unsigned int seq0)
{
	struct kvm_run *run = vcpu->run;
	uint64_t space, addr;
	struct place at;
	bool on;
	int len;

	if (run->exit_reason == KVM_EXIT_IO) {
		space = PIO;
		addr = run->io.port;
		len = run->io.size;
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset((void *)run + run->io.data_offset, 0, len * run->io.count);
	} else {
		space = MMIO;
		addr = run->mmio.phys_addr;
		len = run->mmio.len;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, len);
	}

	/*
	 * If the configuration did not change during this KVM_RUN, a one-byte
	 * access at the device's address must have been answered in the kernel.
	 * Read it, then check that it was stable (a seqcount read).
	 */
	on = config_on;
	at = config;
	if (len == 1 && !(seq0 & 1) && atomic_load(&config_seq) == seq0 && on)
		TEST_ASSERT(!(at.space == space && at.addr == addr),
			    "1-byte access at the device (space %lu addr 0x%lx) reached userspace",
			    space, addr);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_ctx *c = arg;
	struct kvm_vcpu *vcpu = c->vcpu;
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	for (;;) {
		unsigned int seq0 = atomic_load(&config_seq);

		vcpu_run(vcpu);
		switch (run->exit_reason) {
		case KVM_EXIT_PVPANIC:
			TEST_ASSERT(run->pvpanic.events && !(run->pvpanic.events & ~PVPANIC_EVENTS),
				    "bad events 0x%llx", run->pvpanic.events);
			TEST_ASSERT(is_place(run->pvpanic.space, run->pvpanic.addr),
				    "exit names an address the device never had: %u 0x%llx",
				    run->pvpanic.space, run->pvpanic.addr);
			TEST_ASSERT_EQ(run->pvpanic.flags, 0);
			c->pvpanic_exits++;
			if (c->still) {
				TEST_ASSERT_EQ(run->pvpanic.addr, places[0].addr);
				c->still_exits++;
			}
			continue;
		case KVM_EXIT_MMIO:
			check_user_exit(vcpu, seq0);
			continue;
		case KVM_EXIT_IO:
			break;
		default: {
			struct kvm_regs regs;

			vcpu_regs_get(vcpu, &regs);
			TEST_FAIL("vCPU %u: unexpected exit %s at RIP 0x%llx RSP 0x%llx",
				  vcpu->id, exit_reason_str(run->exit_reason), regs.rip, regs.rsp);
		}
		}

		switch (get_ucall(vcpu, &uc)) {
		case UCALL_NONE:
			check_user_exit(vcpu, seq0);
			continue;
		case UCALL_SYNC:
			if (uc.args[1] == 1 && !c->still) {
				/* Wait until everyone is done and the device held still. */
				atomic_fetch_sub(&vcpus_in_phase1, 1);
				while (!atomic_load(&phase1_done))
					usleep(1000);
				c->still = true;
			} else {
				c->expected_still = uc.args[1];
			}
			break;
		case UCALL_DONE:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		}
	}
}

static void reconfigure(uint64_t *s, const struct place *p, uint64_t mask)
{
	atomic_fetch_add(&config_seq, 1);
	if (mask)
		vm_pvpanic_enable(vm, p->space, p->addr, mask);
	else
		vm_pvpanic_enable(vm, 0, 0, 0);
	config = *p;
	config_on = mask != 0;
	atomic_fetch_add(&config_seq, 1);
	atomic_fetch_add(&nr_reconfigs, 1);
}

static void *reconfig_thread(void *arg)
{
	uint64_t s = seed ^ 0xc0ffee;

	while (do_reconfig && atomic_load(&vcpus_in_phase1)) {
		const struct place *p = &places[rnd(&s) % NR_PLACES];
		uint64_t mask = rnd(&s) % 8;	/* 0 removes */
		int r;

		/*
		 * An ioeventfd may sit on the new address: then the move must
		 * fail with EEXIST and change nothing.
		 */
		atomic_fetch_add(&config_seq, 1);
		r = mask ? __vm_pvpanic_enable(vm, p->space, p->addr, mask) :
			   __vm_pvpanic_enable(vm, 0, 0, 0);
		TEST_ASSERT(!r || errno == EEXIST, "enable: %d errno %d", r, errno);
		if (!r) {
			config = *p;
			config_on = mask != 0;
		}
		atomic_fetch_add(&config_seq, 1);
		atomic_fetch_add(&nr_reconfigs, 1);

		/* Invalid calls fail without changing anything. */
		TEST_ASSERT(__vm_pvpanic_cap(vm, 1u << (rnd(&s) % 32), PIO, 0x505, 1, 0) == -1 &&
			    errno == EINVAL, "invalid flags accepted");
		TEST_ASSERT(__vm_pvpanic_cap(vm, 0, PIO, 0x10000 + rnd(&s) % 100, 1, 0) == -1 &&
			    errno == EINVAL, "invalid port accepted");
		TEST_ASSERT(__vm_pvpanic_cap(vm, 0, 3 + rnd(&s) % 100, 0x505, 1, 0) == -1 &&
			    errno == EINVAL, "invalid space accepted");
		atomic_fetch_add(&nr_invalid, 3);
	}
	return NULL;
}

static void *ioeventfd_thread(void *arg)
{
	uint64_t s = seed ^ 0xfeed;
	int fd = eventfd(0, EFD_NONBLOCK);

	TEST_ASSERT(fd >= 0, "eventfd");
	while (do_ioeventfds && atomic_load(&vcpus_in_phase1)) {
		const struct place *p = &places[rnd(&s) % NR_PLACES];
		struct kvm_ioeventfd ioev = {
			.addr = p->addr + rnd(&s) % 3 - 1,
			.len = 1u << (rnd(&s) % 3),
			.fd = fd,
			.flags = p->space == PIO ? KVM_IOEVENTFD_FLAG_PIO : 0,
		};
		int r = __vm_ioctl(vm, KVM_IOEVENTFD, &ioev);

		/* On the device's byte: EEXIST.  Anywhere else it must work. */
		TEST_ASSERT(!r || errno == EEXIST, "KVM_IOEVENTFD: %d errno %d", r, errno);
		if (!r) {
			usleep(rnd(&s) % 500);
			ioev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
			TEST_ASSERT_EQ(__vm_ioctl(vm, KVM_IOEVENTFD, &ioev), 0);
			atomic_fetch_add(&nr_ioeventfds, 1);
		}
	}
	close(fd);
	return NULL;
}

/* A VM killed with its vCPUs inside KVM_RUN, pvpanic enabled and busy. */
static void guest_spin(void)
{
	for (;;)
		asm volatile("outb %b0, %w1" : : "a"(PVPANIC_PANICKED), "d"(0x505));
}

static void *spin_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;

	for (;;)
		vcpu_run(vcpu);
	return NULL;
}

static void churn_vms(void)
{
	int i;

	for (i = 0; i < nr_churn_vms; i++) {
		pid_t pid = fork();
		int status;

		TEST_ASSERT(pid >= 0, "fork");
		if (!pid) {
			struct kvm_vcpu *vcpus[2];
			struct kvm_vm *v = vm_create_with_vcpus(2, guest_spin, vcpus);
			pthread_t th;

			vm_pvpanic_enable(v, PIO, 0x505, PVPANIC_EVENTS);
			pthread_create(&th, NULL, spin_thread, vcpus[0]);
			pthread_create(&th, NULL, spin_thread, vcpus[1]);
			for (;;)
				pause();
		}
		usleep(20000 + i * 5000);
		kill(pid, SIGKILL);
		TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
		TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			    "churn child ended with status 0x%x", status);
	}
}

int main(int argc, char **argv)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct vcpu_ctx ctx[NR_VCPUS];
	pthread_t vt[NR_VCPUS], rt, it;
	uint64_t s, mask, total = 0;
	struct timespec t0, t1;
	double secs;
	int opt, i;

	while ((opt = getopt(argc, argv, "s:n:v:RI")) != -1) {
		if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'n')
			nr_ops = strtoull(optarg, NULL, 0);
		else if (opt == 'v')
			nr_churn_vms = strtoull(optarg, NULL, 0);
		else if (opt == 'R')
			do_reconfig = false;
		else if (opt == 'I')
			do_ioeventfds = false;
		else
			TEST_FAIL("usage: %s [-s SEED] [-n OPS_PER_VCPU] [-v VMS]", argv[0]);
	}
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	s = seed;
	mask = rnd(&s) % 7 + 1;
	ksft_print_header();
	ksft_set_plan(1);
	ksft_print_msg("seed 0x%lx, %lu accesses per vCPU, %d vCPUs, phase-2 mask 0x%lx\n",
		       seed, nr_ops, NR_VCPUS, mask);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vm = vm_create_with_vcpus(NR_VCPUS, guest_code, vcpus);
	virt_map(vm, MMIO_GPA, MMIO_GPA, 1);
	reconfigure(&s, &places[0], PVPANIC_EVENTS);

	for (i = 0; i < NR_VCPUS; i++) {
		ctx[i] = (struct vcpu_ctx){ .vcpu = vcpus[i] };
		vcpu_args_set(vcpus[i], 3, seed + i, nr_ops, mask);
		pthread_create(&vt[i], NULL, vcpu_thread, &ctx[i]);
	}
	pthread_create(&rt, NULL, reconfig_thread, NULL);
	pthread_create(&it, NULL, ioeventfd_thread, NULL);
	churn_vms();
	pthread_join(rt, NULL);
	pthread_join(it, NULL);

	/* Phase 2: the device held still at places[0]. */
	reconfigure(&s, &places[0], mask);
	atomic_store(&phase1_done, true);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(vt[i], NULL);
		TEST_ASSERT(ctx[i].still_exits == ctx[i].expected_still,
			    "vCPU %d: %lu events written with the device still, %lu delivered",
			    i, ctx[i].expected_still, ctx[i].still_exits);
		total += ctx[i].pvpanic_exits;
	}
	TEST_ASSERT_EQ(vm_get_stat(vm, "pvpanic_events"), total);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kvm_vm_free(vm);

	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ksft_print_msg("%lu guest accesses, %lu KVM_EXIT_PVPANIC, %lu reconfigurations\n",
		       (nr_ops + STILL_WRITES) * NR_VCPUS, total, atomic_load(&nr_reconfigs));
	ksft_print_msg("%lu invalid calls, %lu ioeventfds, %lu VMs killed in KVM_RUN\n",
		       atomic_load(&nr_invalid), atomic_load(&nr_ioeventfds), nr_churn_vms);
	ksft_print_msg("%.1f s, %.0f accesses/s (information only)\n",
		       secs, (nr_ops + STILL_WRITES) * NR_VCPUS / secs);
	ksft_test_result_pass("pvpanic under reconfiguration, ioeventfds and VM churn\n");
	ksft_finished();
}
