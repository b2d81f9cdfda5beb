// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvpanic_bench: what the in-kernel pvpanic device costs, per operation,
 * against KVM's in-kernel floor (an ioeventfd) and a userspace device model.
 *
 * Meant for a test VM run under QEMU with "-icount shift=0", where the
 * kernel's clock advances one nanosecond per instruction executed, so every
 * "ns" below is an instruction of the whole path: guest, KVM, and this
 * program's run loop.  Under any other clock the numbers are times, and
 * noisy.  Nothing here is a pass/fail criterion except that no event is
 * lost; `make bench` prints the table, the ratios and a JSON copy.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define PORT		0x505	/* the device */
#define PORT_FLOOR	0x510	/* an ioeventfd */
#define PORT_USER	0x511	/* a port userspace emulates */
#define MASK		PVPANIC_EVENTS
#define NR_OPS		20000
#define NR_VMS		500

enum op { OP_NONE, OP_IN, OP_OUT, OP_CPUID };

static void guest_loop(uint64_t op, uint64_t port, uint64_t n)
{
	uint32_t a, b, c, d;
	uint64_t i;
	uint8_t v;

	for (i = 0; i < n; i++) {
		if (op == OP_IN)
			asm volatile("inb %w1, %b0" : "=a"(v) : "d"((uint16_t)port));
		else if (op == OP_OUT)
			asm volatile("outb %b0, %w1" : : "a"((uint8_t)PVPANIC_PANICKED),
				     "d"((uint16_t)port));
		else if (op == OP_CPUID)
			cpuid(0, &a, &b, &c, &d);
		else
			asm volatile("" ::: "memory");
	}
	GUEST_DONE();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Run @n operations in the guest, answering every exit the way the
 * cheapest VMM would; return the elapsed ns and count the exits.
 */
static uint64_t run_ops(struct kvm_vcpu *vcpu, enum op op, uint16_t port,
			uint64_t n, uint64_t *pvpanic_exits, uint64_t *io_exits)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	uint64_t t0;

	vcpu_args_set(vcpu, 3, op, port, n);
	vcpu_arch_set_entry_point(vcpu, guest_loop);
	t0 = now_ns();
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_PVPANIC) {
			(*pvpanic_exits)++;
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		if (run->io.port == port) {
			if (run->io.direction == KVM_EXIT_IO_IN)
				*((uint8_t *)run + run->io.data_offset) = MASK;
			(*io_exits)++;
			continue;
		}
		if (get_ucall(vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT_EQ(uc.cmd, UCALL_DONE);
		return now_ns() - t0;
	}
}

/* Per-operation cost: the loop with the operation less the empty loop. */
static double per_op(struct kvm_vcpu *vcpu, enum op op, uint16_t port,
		     uint64_t want_pvpanic, uint64_t want_io)
{
	uint64_t pv = 0, io = 0, t, base;

	base = run_ops(vcpu, OP_NONE, port, NR_OPS, &pv, &io);
	t = run_ops(vcpu, op, port, NR_OPS, &pv, &io);
	TEST_ASSERT_EQ(pv, want_pvpanic);
	TEST_ASSERT_EQ(io, want_io);
	return (double)((int64_t)t - (int64_t)base) / NR_OPS;
}

struct result {
	const char *key, *what;
	double ns;
};

static struct result results[16];
static int nr_results;

static double record(const char *key, const char *what, double ns)
{
	results[nr_results++] = (struct result){ key, what, ns };
	printf("  %-4s %-62s %10.0f\n", key, what, ns);
	fflush(stdout);
	return ns;
}

/* The single-vCPU scenarios, 1 to 5, in one VM set up as a VMM would. */
static void single_vcpu(double *r)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_ioeventfd ioev = {
		.addr = PORT_FLOOR, .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_loop);	/* has the PIC and IOAPIC */
	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	ioev.fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(ioev.fd >= 0, "eventfd");
	vm_ioctl(vm, KVM_IOEVENTFD, &ioev);

	vm_pvpanic_enable(vm, KVM_PVPANIC_SPACE_PIO, PORT, MASK);
	r[1] = record("1", "probe read, answered in the kernel", per_op(vcpu, OP_IN, PORT, 0, 0));
	vm_pvpanic_enable(vm, 0, 0, 0);
	r[2] = record("2", "probe read, answered by userspace (KVM_EXIT_IO)",
		      per_op(vcpu, OP_IN, PORT, 0, NR_OPS));
	r[3] = record("3", "floor: write to an ioeventfd",
		      per_op(vcpu, OP_OUT, PORT_FLOOR, 0, 0));

	vm_pvpanic_enable(vm, KVM_PVPANIC_SPACE_PIO, PORT, MASK);
	r[4] = record("4a", "event write -> KVM_EXIT_PVPANIC -> KVM_RUN",
		      per_op(vcpu, OP_OUT, PORT, NR_OPS, 0));
	r[5] = record("4b", "plain write -> KVM_EXIT_IO -> KVM_RUN",
		      per_op(vcpu, OP_OUT, PORT_USER, 0, NR_OPS));
	r[6] = record("5a", "another port's KVM_EXIT_IO write, device registered",
		      per_op(vcpu, OP_OUT, PORT_USER, 0, NR_OPS));
	vm_pvpanic_enable(vm, 0, 0, 0);
	r[7] = record("5b", "another port's KVM_EXIT_IO write, no device",
		      per_op(vcpu, OP_OUT, PORT_USER, 0, NR_OPS));
	kvm_vm_free(vm);
}

struct writer {
	struct kvm_vcpu *vcpu;
	uint64_t n, exits;
};

static void *writer(void *arg)
{
	struct writer *w = arg;
	uint64_t io = 0;

	run_ops(w->vcpu, OP_OUT, PORT, w->n, &w->exits, &io);
	return NULL;
}

/* 6: vCPUs writing events at once; every event must come out. */
static void many_vcpus(int nr)
{
	struct kvm_vcpu *vcpus[8];
	struct writer w[8];
	pthread_t th[8];
	struct kvm_vm *vm;
	uint64_t t0, t, total = 0;
	char what[80];
	int i;

	vm = vm_create_with_vcpus(nr, guest_loop, vcpus);
	vm_pvpanic_enable(vm, KVM_PVPANIC_SPACE_PIO, PORT, MASK);
	t0 = now_ns();
	for (i = 0; i < nr; i++) {
		w[i] = (struct writer){ vcpus[i], NR_OPS / nr, 0 };
		pthread_create(&th[i], NULL, writer, &w[i]);
	}
	for (i = 0; i < nr; i++) {
		pthread_join(th[i], NULL);
		TEST_ASSERT_EQ(w[i].exits, w[i].n);
		total += w[i].exits;
	}
	t = now_ns() - t0;
	TEST_ASSERT_EQ(vm_get_stat(vm, "pvpanic_events"), total);
	snprintf(what, sizeof(what), "%d vCPU(s) writing events: %lu written, %lu delivered",
		 nr, total, total);
	record(nr == 1 ? "6.1" : nr == 2 ? "6.2" : nr == 4 ? "6.4" : "6.8", what,
	       (double)t / total);
	kvm_vm_free(vm);
}

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_BENCH	CG_ROOT "/pvpanic_bench"

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	TEST_ASSERT(f && fputs(s, f) >= 0 && !fclose(f), "writing '%s' to %s", s, path);
}

/*
 * Move this process into a cgroup of its own, so that memory.stat counts
 * exactly the kernel memory its VMs are charged (KVM allocates per-VM memory
 * with GFP_KERNEL_ACCOUNT), to the byte for slab objects.
 */
static bool enter_memcg(void)
{
	char pid[32];

	mkdir(CG_ROOT, 0755);
	if (mount("none", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		return false;
	write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_BENCH, 0755) && errno != EEXIST)
		return false;
	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(CG_BENCH "/cgroup.procs", pid);
	return true;
}

static long memcg_stat(const char *field)
{
	char line[128];
	long v = -1;
	FILE *f = fopen(CG_BENCH "/memory.stat", "r");

	TEST_ASSERT(f, CG_BENCH "/memory.stat");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ' ')
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* 7: kernel memory the device adds to a VM, over NR_VMS VMs. */
static void memory_per_vm(void)
{
	static struct kvm_vm *vms[NR_VMS];
	long slab0, slab1, kernel0, kernel1;
	int i;

	if (!enter_memcg()) {
		printf("  7    kernel memory per VM: skipped, no cgroup2 memory controller: %s\n",
		       strerror(errno));
		return;
	}
	for (i = 0; i < NR_VMS; i++) {
		vms[i] = vm_create_barebones();
		vm_ioctl(vms[i], KVM_CREATE_IRQCHIP, NULL);
	}
	/* memory.stat is flushed every 2 s unless enough changed; wait for it. */
	sleep(3);
	slab0 = memcg_stat("slab");
	kernel0 = memcg_stat("kernel");
	for (i = 0; i < NR_VMS; i++)
		vm_pvpanic_enable(vms[i], KVM_PVPANIC_SPACE_PIO, PORT, MASK);
	sleep(3);
	slab1 = memcg_stat("slab");
	kernel1 = memcg_stat("kernel");
	for (i = 0; i < NR_VMS; i++)
		kvm_vm_free(vms[i]);

	record("7", "kernel memory per VM for the device (memcg slab bytes)",
	       (double)(slab1 - slab0) / NR_VMS);
	printf("       (memcg \"kernel\": %+.0f B per VM, over %d VMs with the PIC and IOAPIC)\n",
	       (double)(kernel1 - kernel0) / NR_VMS, NR_VMS);
}

#define NR_MOVES	200

/*
 * 8: a BAR move, KVM_ENABLE_CAP moving the device between two MMIO
 * addresses, against an ioeventfd assigned and deassigned on the same bus:
 * each of those two ioctls waits for one SRCU grace period, a move for one.
 */
static void moves(double *r)
{
	struct kvm_ioeventfd ioev = { .addr = 0xd0001000, .len = 1 };
	struct kvm_vm *vm = vm_create_barebones();
	uint64_t t0, t1, t2;
	int i;

	ioev.fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(ioev.fd >= 0, "eventfd");
	vm_pvpanic_enable(vm, KVM_PVPANIC_SPACE_MMIO, 0xd0000000, MASK);
	t0 = now_ns();
	for (i = 0; i < NR_MOVES; i++)
		vm_pvpanic_enable(vm, KVM_PVPANIC_SPACE_MMIO, 0xd0000000 + (i % 2 ? 0 : 8), MASK);
	t1 = now_ns();
	for (i = 0; i < NR_MOVES; i++) {
		ioev.flags = 0;
		vm_ioctl(vm, KVM_IOEVENTFD, &ioev);
		ioev.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
		vm_ioctl(vm, KVM_IOEVENTFD, &ioev);
	}
	t2 = now_ns();
	close(ioev.fd);
	kvm_vm_free(vm);
	r[0] = record("8a", "BAR move: KVM_ENABLE_CAP to a new MMIO address",
		      (double)(t1 - t0) / NR_MOVES);
	r[1] = record("8b", "KVM_IOEVENTFD assign + deassign (two grace periods)",
		      (double)(t2 - t1) / NR_MOVES);
}

/*
 * An exit KVM handles without userspace (CPUID), in a VM without the device:
 * what every exit pays for the run loop's checks.  `make bench` runs this
 * (-x) with and without the request-exit rule, in one boot.
 */
static double in_kernel_exit(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	double ns;

	vm = vm_create_with_one_vcpu(&vcpu, guest_loop);
	ns = per_op(vcpu, OP_CPUID, 0, 0, 0);
	kvm_vm_free(vm);
	return ns;
}

int main(int argc, char *argv[])
{
	double r[8], m[2];
	int i;

	if (argc > 1 && !strcmp(argv[1], "-x")) {
		printf("EXIT_NS %.1f\n", in_kernel_exit());
		return 0;
	}

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	printf("pvpanic_bench: %d operations per case; ns per operation (under -icount shift=0,\n"
	       "instructions per operation: guest + KVM + this program's run loop)\n", NR_OPS);
	single_vcpu(r);
	for (i = 1; i <= 8; i *= 2)
		many_vcpus(i);
	memory_per_vm();
	moves(m);

	printf("ratios:\n");
	printf("  (1)/(3)   in-kernel read vs ioeventfd floor   %.3f  (target <= 1.05)\n",
	       r[1] / r[3]);
	printf("  (2)/(1)   userspace read vs in-kernel read    %.2f   (target >= 2.5)\n",
	       r[2] / r[1]);
	printf("  (4a)/(4b) KVM_EXIT_PVPANIC vs KVM_EXIT_IO     %.3f  (target <= 1.05)\n",
	       r[4] / r[5]);
	printf("  (5a)/(5b) unrelated exit, device vs none      %.4f (target within 0.5%%)\n",
	       r[6] / r[7]);

	printf("  (8a)/(8b) BAR move vs two grace periods       %.3f  (one grace period: ~0.5)\n",
	       m[0] / m[1]);

	printf("BENCH_JSON {\"ops\":%d,\"vms\":%d,\"results\":{", NR_OPS, NR_VMS);
	for (i = 0; i < nr_results; i++)
		printf("%s\"%s\":{\"what\":\"%s\",\"value\":%.1f}", i ? "," : "",
		       results[i].key, results[i].what, results[i].ns);
	printf("},\"ratios\":{\"1/3\":%.4f,\"2/1\":%.4f,\"4a/4b\":%.4f,", r[1] / r[3],
	       r[2] / r[1], r[4] / r[5]);
	printf("\"5a/5b\":%.5f,\"8a/8b\":%.4f}}\n", r[6] / r[7], m[0] / m[1]);
	return 0;
}
