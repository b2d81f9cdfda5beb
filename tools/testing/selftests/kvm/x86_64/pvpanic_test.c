// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for the in-kernel pvpanic device, KVM_CAP_PVPANIC and
 * KVM_EXIT_PVPANIC.
 *
 * The guest runs one access at a time, chosen by the host in guest_op, and
 * reports the value it read with GUEST_SYNC.  Whether the access was answered
 * in the kernel or went to userspace is told by the exits seen on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm_test_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define PORT			0x505
#define INS_PORT		0x510	/* a port userspace answers */
#define MMIO_GPA		0xc0000000ull	/* two pages, no memslot */
#define PIO			KVM_PVPANIC_SPACE_PIO
#define MMIO			KVM_PVPANIC_SPACE_MMIO

enum op_kind { OP_IN, OP_OUT, OP_OUTSB, OP_READ, OP_WRITE, OP_STOSB, OP_INSB };

struct guest_op {
	uint32_t kind;
	uint32_t width;
	uint64_t addr;
	uint64_t val;
};

static struct guest_op guest_op;
static uint8_t guest_outsb_buf[2];

static uint64_t guest_pio(const struct guest_op *op)
{
	uint16_t port = op->addr;
	uint32_t v = 0;

	switch (op->kind * 8 + op->width) {
	case OP_IN * 8 + 1:
		asm volatile("inb %w1, %b0" : "=a"(v) : "d"(port));
		return (uint8_t)v;
	case OP_IN * 8 + 2:
		asm volatile("inw %w1, %w0" : "=a"(v) : "d"(port));
		return (uint16_t)v;
	case OP_IN * 8 + 4:
		asm volatile("inl %w1, %0" : "=a"(v) : "d"(port));
		return v;
	case OP_OUT * 8 + 1:
		asm volatile("outb %b0, %w1" : : "a"(op->val), "d"(port));
		return 0;
	case OP_OUT * 8 + 2:
		asm volatile("outw %w0, %w1" : : "a"(op->val), "d"(port));
		return 0;
	case OP_OUT * 8 + 4:
		asm volatile("outl %0, %w1" : : "a"((uint32_t)op->val), "d"(port));
		return 0;
	case OP_OUTSB * 8 + 1: {
		const void *src = guest_outsb_buf;
		uint64_t count = op->val;

		asm volatile("rep outsb"
			     : "+S"(src), "+c"(count) : "d"(port) : "memory");
		return 0;
	}
	}
	GUEST_FAIL("bad PIO op %u width %u", op->kind, op->width);
	return 0;
}

static uint64_t guest_mmio(const struct guest_op *op)
{
	void *p = (void *)op->addr;

	switch (op->kind * 16 + op->width) {
	case OP_READ * 16 + 1:
		return READ_ONCE(*(uint8_t *)p);
	case OP_READ * 16 + 2:
		return READ_ONCE(*(uint16_t *)p);
	case OP_READ * 16 + 4:
		return READ_ONCE(*(uint32_t *)p);
	case OP_READ * 16 + 8:
		return READ_ONCE(*(uint64_t *)p);
	case OP_WRITE * 16 + 1:
		WRITE_ONCE(*(uint8_t *)p, op->val);
		return 0;
	case OP_WRITE * 16 + 2:
		WRITE_ONCE(*(uint16_t *)p, op->val);
		return 0;
	case OP_WRITE * 16 + 4:
		WRITE_ONCE(*(uint32_t *)p, op->val);
		return 0;
	case OP_WRITE * 16 + 8:
		WRITE_ONCE(*(uint64_t *)p, op->val);
		return 0;
	case OP_STOSB * 16 + 1: {
		/* Two bytes from op->addr, both op->val. */
		uint64_t count = 2;

		asm volatile("rep stosb"
			     : "+D"(p), "+c"(count) : "a"(op->val) : "memory");
		return 0;
	}
	case OP_INSB * 16 + 1: {
		/* op->val bytes from INS_PORT, stored downwards from op->addr. */
		uint64_t count = op->val;

		asm volatile("std; rep insb; cld"
			     : "+D"(p), "+c"(count) : "d"(INS_PORT) : "memory");
		return 0;
	}
	}
	GUEST_FAIL("bad MMIO op %u width %u", op->kind, op->width);
	return 0;
}

static void guest_code(void)
{
	for (;;) {
		struct guest_op op = READ_ONCE(guest_op);

		if (op.kind == OP_READ || op.kind == OP_WRITE ||
		    op.kind == OP_STOSB || op.kind == OP_INSB)
			GUEST_SYNC(guest_mmio(&op));
		else
			GUEST_SYNC(guest_pio(&op));
	}
}

/* Host side */

static void set_op(struct kvm_vcpu *vcpu, uint32_t kind, uint32_t width,
		   uint64_t addr, uint64_t val)
{
	guest_op = (struct guest_op) { kind, width, addr, val };
	sync_global_to_guest(vcpu->vm, guest_op);
}

static bool is_mmio_op(uint32_t kind)
{
	return kind == OP_READ || kind == OP_WRITE || kind == OP_STOSB ||
	       kind == OP_INSB;
}

static bool is_read_op(uint32_t kind)
{
	return kind == OP_READ || kind == OP_IN;
}

/* The exit just taken must be the guest's report: return what it read. */
static uint64_t expect_sync_now(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit: port 0x%x size %u",
			  vcpu->run->io.port, vcpu->run->io.size);
	}
	return 0;
}

/* Resume the guest and expect it to finish the access with no other exit. */
static uint64_t expect_sync(struct kvm_vcpu *vcpu)
{
	vcpu_run(vcpu);
	return expect_sync_now(vcpu);
}

/* An access answered in the kernel: no exit but the guest's report. */
static uint64_t access_in_kernel(struct kvm_vcpu *vcpu, uint32_t kind,
				 uint32_t width, uint64_t addr, uint64_t val)
{
	set_op(vcpu, kind, width, addr, val);
	return expect_sync(vcpu);
}

static void assert_user_exit(struct kvm_vcpu *vcpu, uint32_t kind,
			     uint32_t width, uint64_t addr)
{
	struct kvm_run *run = vcpu->run;

	if (is_mmio_op(kind)) {
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
		TEST_ASSERT_EQ(run->mmio.phys_addr, addr);
		TEST_ASSERT_EQ(run->mmio.len, width);
		TEST_ASSERT_EQ(run->mmio.is_write, !is_read_op(kind));
	} else {
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		TEST_ASSERT_EQ(run->io.port, addr);
		TEST_ASSERT_EQ(run->io.size, width);
		TEST_ASSERT_EQ(run->io.count, 1);
		TEST_ASSERT_EQ(run->io.direction,
			       is_read_op(kind) ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT);
	}
}

/*
 * An access that must reach userspace as KVM_EXIT_IO or KVM_EXIT_MMIO.  A
 * read is answered with a value the device would never return, and the
 * guest must see exactly that value.
 */
static void access_in_user(struct kvm_vcpu *vcpu, uint32_t kind,
			   uint32_t width, uint64_t addr, uint64_t val)
{
	const uint64_t reply = 0xa5a5a5a5a5a5a5a5ull;
	struct kvm_run *run = vcpu->run;
	uint64_t got;

	set_op(vcpu, kind, width, addr, val);
	vcpu_run(vcpu);
	assert_user_exit(vcpu, kind, width, addr);

	if (is_read_op(kind) && is_mmio_op(kind))
		memcpy(run->mmio.data, &reply, width);
	else if (is_read_op(kind))
		memcpy((void *)run + run->io.data_offset, &reply, width);
	else if (is_mmio_op(kind))
		TEST_ASSERT(!memcmp(run->mmio.data, &val, width), "MMIO data");
	else
		TEST_ASSERT(!memcmp((void *)run + run->io.data_offset, &val, width),
			    "PIO data");

	got = expect_sync(vcpu);
	if (is_read_op(kind))
		TEST_ASSERT_EQ(got, reply & (~0ull >> (64 - 8 * width)));
}

static void assert_pvpanic_exit(struct kvm_vcpu *vcpu, uint64_t events,
				uint64_t space, uint64_t addr)
{
	struct kvm_run *run = vcpu->run;

	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_PVPANIC);
	TEST_ASSERT_EQ(run->pvpanic.events, events);
	TEST_ASSERT_EQ(run->pvpanic.addr, addr);
	TEST_ASSERT_EQ(run->pvpanic.space, space);
	TEST_ASSERT_EQ(run->pvpanic.flags, 0);
}

/* A 1-byte write that must come out as KVM_EXIT_PVPANIC with @events. */
static void write_event(struct kvm_vcpu *vcpu, uint64_t space, uint64_t addr,
			uint8_t val, uint64_t events)
{
	set_op(vcpu, space == PIO ? OP_OUT : OP_WRITE, 1, addr, val);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, events, space, addr);
	expect_sync(vcpu);
}

static uint32_t rd_op(uint64_t space)
{
	return space == PIO ? OP_IN : OP_READ;
}

static uint32_t wr_op(uint64_t space)
{
	return space == PIO ? OP_OUT : OP_WRITE;
}

/* The device answers at @addr with @mask, and nowhere else is claimed. */
static void assert_device_at(struct kvm_vcpu *vcpu, uint64_t space,
			     uint64_t addr, uint64_t mask)
{
	TEST_ASSERT_EQ(access_in_kernel(vcpu, rd_op(space), 1, addr, 0), mask);
}

static void assert_no_device_at(struct kvm_vcpu *vcpu, uint64_t space,
				uint64_t addr)
{
	access_in_user(vcpu, rd_op(space), 1, addr, 0);
	access_in_user(vcpu, wr_op(space), 1, addr, PVPANIC_PANICKED);
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	virt_map(vm, MMIO_GPA, MMIO_GPA, 2);
	return vm;
}

FIXTURE(pvpanic) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(pvpanic)
{
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	self->vm = create_vm(&self->vcpu);
}

FIXTURE_TEARDOWN(pvpanic)
{
	kvm_vm_free(self->vm);
}

TEST(cap_reports_events)
{
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	vm = vm_create_barebones();
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_PVPANIC), PVPANIC_EVENTS);
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_PVPANIC), PVPANIC_EVENTS);
	kvm_vm_free(vm);
}

TEST_F(pvpanic, off_by_default)
{
	assert_no_device_at(self->vcpu, PIO, PORT);
	assert_no_device_at(self->vcpu, MMIO, MMIO_GPA);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

/* A probe read returns the enabled events, in the kernel, for every mask. */
static void check_probe(struct kvm_vcpu *vcpu, uint64_t space, uint64_t addr)
{
	uint64_t mask;

	for (mask = 1; mask <= PVPANIC_EVENTS; mask++) {
		vm_pvpanic_enable(vcpu->vm, space, addr, mask);
		assert_device_at(vcpu, space, addr, mask);
	}
	TEST_ASSERT_EQ(pvpanic_stat(vcpu->vm), 0);
}

TEST_F(pvpanic, probe_pio)
{
	check_probe(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, probe_mmio)
{
	check_probe(self->vcpu, MMIO, MMIO_GPA);
}

static void check_ignored_writes(struct kvm_vcpu *vcpu, uint64_t space,
				 uint64_t addr)
{
	vm_pvpanic_enable(vcpu->vm, space, addr, PVPANIC_PANICKED);

	/* Zero, unknown bits and a disabled event: no exit at all. */
	access_in_kernel(vcpu, wr_op(space), 1, addr, 0);
	access_in_kernel(vcpu, wr_op(space), 1, addr, 0xf8);
	access_in_kernel(vcpu, wr_op(space), 1, addr, PVPANIC_CRASH_LOADED);
	access_in_kernel(vcpu, wr_op(space), 1, addr, PVPANIC_SHUTDOWN);
	TEST_ASSERT_EQ(pvpanic_stat(vcpu->vm), 0);

	/* All bits at once: only the enabled one is reported. */
	write_event(vcpu, space, addr, 0xff, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(pvpanic_stat(vcpu->vm), 1);
}

TEST_F(pvpanic, ignored_writes_pio)
{
	check_ignored_writes(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, ignored_writes_mmio)
{
	check_ignored_writes(self->vcpu, MMIO, MMIO_GPA);
}

static void check_each_event(struct kvm_vcpu *vcpu, uint64_t space,
			     uint64_t addr)
{
	uint64_t bit;

	vm_pvpanic_enable(vcpu->vm, space, addr, PVPANIC_EVENTS);
	for (bit = 1; bit <= PVPANIC_SHUTDOWN; bit <<= 1)
		write_event(vcpu, space, addr, bit, bit);
	write_event(vcpu, space, addr, PVPANIC_EVENTS, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(vcpu->vm), 4);
}

TEST_F(pvpanic, each_event_pio)
{
	check_each_event(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, each_event_mmio)
{
	check_each_event(self->vcpu, MMIO, MMIO_GPA);
}

/*
 * At KVM_EXIT_IO/MMIO the guest's RIP is still on the access; at
 * KVM_EXIT_PVPANIC it must be past it, and resuming must not repeat it.
 */
static void check_rip(struct kvm_vcpu *vcpu, uint64_t space, uint64_t addr)
{
	struct kvm_regs regs;
	uint64_t rip_at;

	set_op(vcpu, wr_op(space), 1, addr, PVPANIC_PANICKED);
	vcpu_run(vcpu);
	assert_user_exit(vcpu, wr_op(space), 1, addr);
	vcpu_regs_get(vcpu, &regs);
	rip_at = regs.rip;
	expect_sync(vcpu);

	vm_pvpanic_enable(vcpu->vm, space, addr, PVPANIC_EVENTS);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, space, addr);
	vcpu_regs_get(vcpu, &regs);
	/*
	 * KVM_EXIT_IO leaves RIP on the one-byte "out %al, (%dx)"; an emulated
	 * MMIO store is completed before KVM_EXIT_MMIO, so RIP is already past
	 * it there.  Either way, resuming must not repeat the store.
	 */
	TEST_ASSERT_EQ(regs.rip, rip_at + (space == PIO ? 1 : 0));
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(vcpu->vm), 1);
}

TEST_F(pvpanic, rip_after_event_pio)
{
	check_rip(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, rip_after_event_mmio)
{
	check_rip(self->vcpu, MMIO, MMIO_GPA);
}

TEST_F(pvpanic, other_widths_pio)
{
	uint32_t w;

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	for (w = 2; w <= 4; w *= 2) {
		access_in_user(self->vcpu, OP_IN, w, PORT, 0);
		access_in_user(self->vcpu, OP_OUT, w, PORT, PVPANIC_PANICKED);
	}
	assert_device_at(self->vcpu, PIO, PORT, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

TEST_F(pvpanic, other_widths_mmio)
{
	uint32_t w;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	for (w = 2; w <= 8; w *= 2) {
		access_in_user(self->vcpu, OP_READ, w, MMIO_GPA, 0);
		access_in_user(self->vcpu, OP_WRITE, w, MMIO_GPA, PVPANIC_PANICKED);
	}
	assert_device_at(self->vcpu, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

TEST_F(pvpanic, neighbours_untouched)
{
	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	assert_no_device_at(self->vcpu, PIO, PORT - 1);
	assert_no_device_at(self->vcpu, PIO, PORT + 1);
	assert_device_at(self->vcpu, PIO, PORT, PVPANIC_EVENTS);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA + 1, PVPANIC_EVENTS);
	assert_no_device_at(self->vcpu, MMIO, MMIO_GPA);
	assert_no_device_at(self->vcpu, MMIO, MMIO_GPA + 2);
	assert_device_at(self->vcpu, MMIO, MMIO_GPA + 1, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

TEST_F(pvpanic, remove)
{
	/* Removing when there is no device succeeds. */
	vm_pvpanic_enable(self->vm, 0, 0, 0);

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	assert_device_at(self->vcpu, PIO, PORT, PVPANIC_EVENTS);
	vm_pvpanic_enable(self->vm, 0, 0, 0);
	assert_no_device_at(self->vcpu, PIO, PORT);
	vm_pvpanic_enable(self->vm, 0, 0, 0);

	/* And it can come back. */
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_PANICKED);
	write_event(self->vcpu, MMIO, MMIO_GPA, PVPANIC_PANICKED, PVPANIC_PANICKED);
	vm_pvpanic_enable(self->vm, 0, 0, 0);
	assert_no_device_at(self->vcpu, MMIO, MMIO_GPA);
}

TEST_F(pvpanic, move)
{
	struct kvm_vcpu *vcpu = self->vcpu;

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	write_event(vcpu, PIO, PORT, PVPANIC_PANICKED, PVPANIC_PANICKED);

	/* PIO -> PIO, with a new mask. */
	vm_pvpanic_enable(self->vm, PIO, 0x600, PVPANIC_CRASH_LOADED);
	assert_no_device_at(vcpu, PIO, PORT);
	assert_device_at(vcpu, PIO, 0x600, PVPANIC_CRASH_LOADED);
	write_event(vcpu, PIO, 0x600, PVPANIC_EVENTS, PVPANIC_CRASH_LOADED);

	/* PIO -> MMIO. */
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	assert_no_device_at(vcpu, PIO, 0x600);
	assert_device_at(vcpu, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	write_event(vcpu, MMIO, MMIO_GPA, PVPANIC_SHUTDOWN, PVPANIC_SHUTDOWN);

	/* MMIO -> MMIO (a BAR move) and back to PIO. */
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA + 0x10, PVPANIC_EVENTS);
	assert_no_device_at(vcpu, MMIO, MMIO_GPA);
	write_event(vcpu, MMIO, MMIO_GPA + 0x10, PVPANIC_PANICKED, PVPANIC_PANICKED);
	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	assert_no_device_at(vcpu, MMIO, MMIO_GPA + 0x10);
	assert_device_at(vcpu, PIO, PORT, PVPANIC_EVENTS);

	/* The stat counts across moves. */
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 4);
}

static void expect_einval(struct kvm_vcpu *vcpu, uint32_t flags, uint64_t a0,
			  uint64_t a1, uint64_t a2, uint64_t a3)
{
	int r = __vm_pvpanic_cap(vcpu->vm, flags, a0, a1, a2, a3);

	TEST_ASSERT(r == -1 && errno == EINVAL,
		    "flags 0x%x args 0x%lx 0x%lx 0x%lx 0x%lx: %d errno %d, want EINVAL",
		    flags, a0, a1, a2, a3, r, errno);
	/* Nothing changed: the device still answers where it was. */
	assert_device_at(vcpu, PIO, PORT, PVPANIC_PANICKED);
}

TEST_F(pvpanic, invalid_args)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t bit;
	int i;

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_PANICKED);

	for (i = 0; i < 64; i++) {
		bit = 1ull << i;

		if (bit != PIO && bit != MMIO)
			expect_einval(vcpu, 0, bit, 0x600, PVPANIC_EVENTS, 0);
		if (bit > 0xffff)
			expect_einval(vcpu, 0, PIO, bit, PVPANIC_EVENTS, 0);
		if (bit & ~PVPANIC_EVENTS) {
			expect_einval(vcpu, 0, PIO, 0x600, bit, 0);
			expect_einval(vcpu, 0, MMIO, MMIO_GPA, bit, 0);
		}
		expect_einval(vcpu, 0, PIO, 0x600, PVPANIC_EVENTS, bit);
		/* Removal takes no address. */
		expect_einval(vcpu, 0, bit, 0, 0, 0);
		expect_einval(vcpu, 0, 0, bit, 0, 0);
		expect_einval(vcpu, 0, 0, 0, 0, bit);
		if (i < 32)
			expect_einval(vcpu, bit, PIO, 0x600, PVPANIC_EVENTS, 0);
	}
	/* The last byte of the address space: addr + 1 would wrap. */
	expect_einval(vcpu, 0, MMIO, ~0ull, PVPANIC_EVENTS, 0);
	expect_einval(vcpu, 0, PIO, 0x10000, PVPANIC_EVENTS, 0);

	/* ...but the last port and the byte before the last one are fine. */
	vm_pvpanic_enable(self->vm, PIO, 0xffff, PVPANIC_EVENTS);
	vm_pvpanic_enable(self->vm, MMIO, ~0ull - 1, PVPANIC_EVENTS);
	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_PANICKED);
	assert_device_at(vcpu, PIO, PORT, PVPANIC_PANICKED);
}

/*
 * Fault injection: make the nth slab allocation of this thread's next
 * system calls fail (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS).  failslab ignores GFP_KERNEL by default
 * and prints a stack trace for each failure; both are turned off for the
 * test and restored on exit.
 */
#define FAILSLAB	"/sys/kernel/debug/failslab/"

static char saved_ignore_gfp_wait[8], saved_verbose[8];
static int fail_nth_fd = -1;

static bool read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, size, f);
	fclose(f);
	return ok;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	TEST_ASSERT(f, "open %s: errno %d", path, errno);
	TEST_ASSERT(fputs(val, f) >= 0 && !fclose(f), "write %s", path);
}

static void failslab_restore(void)
{
	if (saved_ignore_gfp_wait[0])
		write_file(FAILSLAB "ignore-gfp-wait", saved_ignore_gfp_wait);
	if (saved_verbose[0])
		write_file(FAILSLAB "verbose", saved_verbose);
}

static void failslab_setup(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	fail_nth_fd = open(path, O_RDWR);
	__TEST_REQUIRE(fail_nth_fd >= 0,
		       "no /proc/<pid>/task/<tid>/fail-nth: kernel without CONFIG_FAULT_INJECTION");
	__TEST_REQUIRE(read_file(FAILSLAB "ignore-gfp-wait", saved_ignore_gfp_wait,
				 sizeof(saved_ignore_gfp_wait)) &&
		       read_file(FAILSLAB "verbose", saved_verbose, sizeof(saved_verbose)),
		       "no " FAILSLAB ": kernel without CONFIG_FAILSLAB or debugfs");
	atexit(failslab_restore);
	write_file(FAILSLAB "ignore-gfp-wait", "N");
	write_file(FAILSLAB "verbose", "0");
}

/* Fail the @n-th allocation from now on; 0 disarms. */
static void fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	TEST_ASSERT_EQ(pwrite(fail_nth_fd, buf, len, 0), len);
}

/* Whether the armed failure happened (the file reads 0), then disarm. */
static bool fail_nth_hit(void)
{
	char buf[16] = {};

	TEST_ASSERT(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0, "read fail-nth");
	fail_nth(0);
	return atoi(buf) == 0;
}

/*
 * A one-byte read of @addr: what the device answered, or 0 if the read went
 * to userspace, which answers 0 (no device answers 0: it needs events).
 */
static uint64_t probe(struct kvm_vcpu *vcpu, uint64_t space, uint64_t addr)
{
	struct kvm_run *run = vcpu->run;

	set_op(vcpu, rd_op(space), 1, addr, 0);
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == addr) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == addr) {
			memset((void *)run + run->io.data_offset, 0, run->io.size);
			continue;
		}
		return expect_sync_now(vcpu);
	}
}

#define WITNESS_PORT	0x600

/* Whether the ioeventfd at WITNESS_PORT took the guest's write. */
static bool probe_witness(struct kvm_vcpu *vcpu, int efd)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	struct kvm_run *run = vcpu->run;
	uint64_t v;

	set_op(vcpu, OP_OUT, 1, WITNESS_PORT, PVPANIC_PANICKED);
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == WITNESS_PORT)
			continue;
		expect_sync_now(vcpu);
		break;
	}
	if (poll(&pfd, 1, 0) != 1)
		return false;
	TEST_ASSERT_EQ(read(efd, &v, sizeof(v)), sizeof(v));
	return true;
}

struct shrink_case {
	const char *name;
	uint64_t new_space, new_addr, new_events;
};

/*
 * The device starts at port 0x505, with an ioeventfd at WITNESS_PORT as the
 * witness of the PIO bus.  Each allocation the reconfiguration makes fails
 * in turn, on a fresh VM.  Every failure must be -ENOMEM with nothing
 * changed: the device at the old address, not at the new one, and the PIO
 * bus, witness included, intact (the shrink of the old bus used to be able
 * to destroy it).  When no allocation fails any more, the change is done.
 */
static void check_shrink_failure(const struct shrink_case *c)
{
	bool done = false;
	int n, failures = 0;

	for (n = 1; !done; n++) {
		struct kvm_vcpu *vcpu;
		bool old_there, new_there, witness_there, hit;
		struct kvm_vm *vm;
		int efd, r, err;

		TEST_ASSERT(n < 64, "%s: still failing allocations at %d", c->name, n);
		vm = create_vm(&vcpu);
		efd = eventfd(0, EFD_NONBLOCK);
		TEST_ASSERT(efd >= 0, "eventfd: errno %d", errno);
		vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_EVENTS);
		TEST_ASSERT_EQ(__ioeventfd(vm, WITNESS_PORT, 1, KVM_IOEVENTFD_FLAG_PIO |
					   KVM_IOEVENTFD_FLAG_DATAMATCH, efd, true), 0);

		fail_nth(n);
		r = __vm_pvpanic_enable(vm, c->new_space, c->new_addr, c->new_events);
		err = errno;
		hit = fail_nth_hit();

		/* A probe read answered in the kernel, or by us. */
		old_there = probe(vcpu, PIO, PORT) == PVPANIC_EVENTS;
		new_there = c->new_events &&
			    probe(vcpu, c->new_space, c->new_addr) == c->new_events;
		witness_there = probe_witness(vcpu, efd);

		pr_info("%s: allocation %d %s: %d (errno %d); device %s, PIO bus %s\n",
			c->name, n, hit ? "failed" : "not reached", r, r ? err : 0,
			old_there ? "at the old address" :
			new_there ? "at the new address" : "gone",
			witness_there ? "intact" : "removed");

		TEST_ASSERT(witness_there, "%s: allocation %d: the PIO bus lost its ioeventfd",
			    c->name, n);
		if (!r) {
			/* The requested configuration took effect. */
			TEST_ASSERT(!old_there, "%s: 0 with the old address answering", c->name);
			TEST_ASSERT(new_there == !!c->new_events,
				    "%s: 0 without the device where asked", c->name);
		} else {
			TEST_ASSERT(err == ENOMEM, "%s: errno %d", c->name, err);
			TEST_ASSERT(old_there && !new_there,
				    "%s: ENOMEM, but the device is %s", c->name,
				    old_there ? "at both addresses" :
				    new_there ? "at the new address" : "gone");
			failures++;
		}
		done = !hit;

		close(efd);
		kvm_vm_free(vm);
	}
	TEST_ASSERT(failures, "%s: no allocation failed", c->name);
}

TEST(bus_shrink_failure)
{
	static const struct shrink_case cases[] = {
		{ "move within the PIO bus", PIO, PORT + 1, PVPANIC_EVENTS },
		{ "move to the MMIO bus", MMIO, MMIO_GPA, PVPANIC_EVENTS },
		{ "removal", 0, 0, 0 },
	};
	int i;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	failslab_setup();
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_shrink_failure(&cases[i]);
}

/* ioeventfds whose range covers @addr: every length, with and without datamatch. */
static const struct { int off; uint32_t len; } covering[] = {
	{ 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { -1, 2 }, { -3, 4 }, { -7, 8 },
};

static void check_eexist_ioeventfd(struct kvm_vcpu *vcpu, uint64_t space,
				   uint64_t addr)
{
	uint32_t pio = space == PIO ? KVM_IOEVENTFD_FLAG_PIO : 0;
	struct kvm_vm *vm = vcpu->vm;
	int fd = eventfd(0, 0);
	const uint32_t dm_flag = KVM_IOEVENTFD_FLAG_DATAMATCH;
	uint32_t dm;
	int i;

	TEST_ASSERT(fd >= 0, "eventfd");
	for (i = 0; i < ARRAY_SIZE(covering); i++) {
		uint64_t a = addr + covering[i].off;
		uint32_t len = covering[i].len;

		for (dm = 0; dm <= dm_flag; dm += dm_flag) {
			if (dm && !len)
				continue;

			/* ioeventfd first: the device cannot be placed over it. */
			TEST_ASSERT_EQ(__ioeventfd(vm, a, len, pio | dm, fd, true), 0);
			expect_eexist(__vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS),
				      "pvpanic over ioeventfd");
			assert_device_at(vcpu, PIO, 0x600, PVPANIC_PANICKED);
			TEST_ASSERT_EQ(__ioeventfd(vm, a, len, pio | dm, fd, false), 0);

			/* Device first: the ioeventfd cannot be placed over it. */
			vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS);
			expect_eexist(__ioeventfd(vm, a, len, pio | dm, fd, true),
				      "ioeventfd over pvpanic");
			assert_device_at(vcpu, space, addr, PVPANIC_EVENTS);
			vm_pvpanic_enable(vm, PIO, 0x600, PVPANIC_PANICKED);
		}
	}

	/* Right next to the device is fine, both ways round. */
	vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(__ioeventfd(vm, addr + 1, 1, pio, fd, true), 0);
	TEST_ASSERT_EQ(__ioeventfd(vm, addr - 2, 2, pio, fd, true), 0);
	TEST_ASSERT_EQ(__ioeventfd(vm, addr - 1, 0, pio, fd, true), 0);
	vm_pvpanic_enable(vm, 0, 0, 0);
	vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS);
	assert_device_at(vcpu, space, addr, PVPANIC_EVENTS);
	close(fd);
}

TEST_F(pvpanic, eexist_ioeventfd_pio)
{
	vm_pvpanic_enable(self->vm, PIO, 0x600, PVPANIC_PANICKED);
	check_eexist_ioeventfd(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, eexist_ioeventfd_mmio)
{
	vm_pvpanic_enable(self->vm, PIO, 0x600, PVPANIC_PANICKED);
	check_eexist_ioeventfd(self->vcpu, MMIO, MMIO_GPA + 0x10);
}

static void check_eexist_coalesced(struct kvm_vcpu *vcpu, uint64_t space,
				   uint64_t addr)
{
	struct kvm_vm *vm = vcpu->vm;
	bool pio = space == PIO;

	TEST_REQUIRE(kvm_has_cap(pio ? KVM_CAP_COALESCED_PIO : KVM_CAP_COALESCED_MMIO));

	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 8, pio, true), 0);
	expect_eexist(__vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS),
		      "pvpanic over a coalesced zone");
	assert_device_at(vcpu, PIO, 0x600, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 8, pio, false), 0);

	vm_pvpanic_enable(vm, space, addr, PVPANIC_EVENTS);
	expect_eexist(__coalesced(vm, addr - 4, 8, pio, true),
		      "coalesced zone over pvpanic");
	expect_eexist(__coalesced(vm, addr, 1, pio, true),
		      "coalesced zone over pvpanic");
	assert_device_at(vcpu, space, addr, PVPANIC_EVENTS);

	/* A zone that ends just before the device is fine. */
	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 4, pio, true), 0);
	assert_device_at(vcpu, space, addr, PVPANIC_EVENTS);
}

TEST_F(pvpanic, eexist_coalesced_pio)
{
	vm_pvpanic_enable(self->vm, PIO, 0x600, PVPANIC_PANICKED);
	check_eexist_coalesced(self->vcpu, PIO, PORT);
}

TEST_F(pvpanic, eexist_coalesced_mmio)
{
	vm_pvpanic_enable(self->vm, PIO, 0x600, PVPANIC_PANICKED);
	check_eexist_coalesced(self->vcpu, MMIO, MMIO_GPA + 0x10);
}

/* The x86 selftests' VM has an in-kernel PIC and IOAPIC; add the PIT. */
TEST_F(pvpanic, eexist_in_kernel_devices)
{
	static const struct { uint64_t space, addr; } taken[] = {
		{ PIO, 0x20 }, { PIO, 0x21 }, { PIO, 0xa0 }, { PIO, 0xa1 },
		{ PIO, 0x4d0 }, { PIO, 0x4d1 },			/* PIC, ELCR */
		{ PIO, 0x40 }, { PIO, 0x43 }, { PIO, 0x61 },	/* PIT, speaker */
		{ MMIO, 0xfec00000 }, { MMIO, 0xfec000ff },	/* IOAPIC */
	};
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int i;

	vm_ioctl(self->vm, KVM_CREATE_PIT2, &pit);
	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_PANICKED);

	for (i = 0; i < ARRAY_SIZE(taken); i++) {
		int r = __vm_pvpanic_enable(self->vm, taken[i].space, taken[i].addr,
					 PVPANIC_EVENTS);

		TEST_ASSERT(r == -1 && errno == EEXIST,
			    "pvpanic over the in-kernel device at %s 0x%lx: %d errno %d, want EEXIST",
			    taken[i].space == PIO ? "port" : "GPA", taken[i].addr, r, errno);
		assert_device_at(self->vcpu, PIO, PORT, PVPANIC_PANICKED);
	}
	/* Just past the PIT. */
	vm_pvpanic_enable(self->vm, PIO, 0x44, PVPANIC_EVENTS);
	assert_device_at(self->vcpu, PIO, 0x44, PVPANIC_EVENTS);
}

TEST(pit_over_pvpanic)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	vm = create_vm(&vcpu);
	vm_pvpanic_enable(vm, PIO, 0x42, PVPANIC_EVENTS);
	TEST_ASSERT(__vm_ioctl(vm, KVM_CREATE_PIT2, &pit) == -1,
		    "KVM_CREATE_PIT2 over the pvpanic port succeeded");
	assert_device_at(vcpu, PIO, 0x42, PVPANIC_EVENTS);
	kvm_vm_free(vm);
}

TEST(two_vms_isolated)
{
	struct kvm_vcpu *vcpu_a, *vcpu_b;
	struct kvm_vm *a, *b;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	a = create_vm(&vcpu_a);
	b = create_vm(&vcpu_b);

	vm_pvpanic_enable(a, PIO, PORT, PVPANIC_EVENTS);
	assert_no_device_at(vcpu_b, PIO, PORT);
	write_event(vcpu_a, PIO, PORT, PVPANIC_PANICKED, PVPANIC_PANICKED);

	vm_pvpanic_enable(b, MMIO, MMIO_GPA, PVPANIC_CRASH_LOADED);
	assert_device_at(vcpu_a, PIO, PORT, PVPANIC_EVENTS);
	assert_no_device_at(vcpu_a, MMIO, MMIO_GPA);
	assert_device_at(vcpu_b, MMIO, MMIO_GPA, PVPANIC_CRASH_LOADED);

	TEST_ASSERT_EQ(pvpanic_stat(a), 1);
	TEST_ASSERT_EQ(pvpanic_stat(b), 0);
	kvm_vm_free(b);
	write_event(vcpu_a, PIO, PORT, PVPANIC_SHUTDOWN, PVPANIC_SHUTDOWN);
	kvm_vm_free(a);
}

#define NR_VCPUS	3
#define NR_WRITES	50

/* Each vCPU writes its own event NR_WRITES times. */
static void guest_code_writer(uint32_t id)
{
	int i;

	for (i = 0; i < NR_WRITES; i++)
		asm volatile("outb %b0, %w1" : : "a"(1u << id), "d"(PORT));
	GUEST_DONE();
}

static void *writer_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	uint64_t own = 1u << vcpu->id;
	struct ucall uc;
	int exits = 0;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_PVPANIC) {
			assert_pvpanic_exit(vcpu, own, PIO, PORT);
			exits++;
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		if (get_ucall(vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT_EQ(uc.cmd, UCALL_DONE);
		break;
	}
	TEST_ASSERT_EQ(exits, NR_WRITES);
	return NULL;
}

TEST(vcpus_write_at_once)
{
	struct kvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct kvm_vm *vm;
	int i;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	vm = vm_create_with_vcpus(NR_VCPUS, guest_code_writer, vcpus);
	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_EVENTS);

	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(vcpus[i], 1, i);
		pthread_create(&threads[i], NULL, writer_thread, vcpus[i]);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(threads[i], NULL);

	TEST_ASSERT_EQ(pvpanic_stat(vm), NR_VCPUS * NR_WRITES);
	kvm_vm_free(vm);
}

/*
 * A string instruction that writes the device twice runs to its end: one
 * exit after it, with the union of the events, RCX at 0, and the next
 * KVM_RUN resuming after the instruction.
 */
TEST_F(pvpanic, rep_outsb_one_exit)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_regs regs;

	guest_outsb_buf[0] = PVPANIC_CRASH_LOADED;
	guest_outsb_buf[1] = PVPANIC_PANICKED;
	sync_global_to_guest(self->vm, guest_outsb_buf);
	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);

	set_op(vcpu, OP_OUTSB, 1, PORT, 2);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_CRASH_LOADED | PVPANIC_PANICKED,
			    PIO, PORT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rcx, 0);

	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 2);
}

/*
 * REP STOSB over the device's byte and an unclaimed one next to it: the
 * second iteration's KVM_EXIT_MMIO is the instruction's own exit and goes
 * first; the event comes when the instruction has completed.
 */
TEST_F(pvpanic, rep_stosb_event_after_instruction)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_regs regs;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	set_op(vcpu, OP_STOSB, 1, MMIO_GPA, PVPANIC_PANICKED);
	vcpu_run(vcpu);
	assert_user_exit(vcpu, OP_WRITE, 1, MMIO_GPA + 1);
	TEST_ASSERT_EQ(vcpu->run->mmio.data[0], PVPANIC_PANICKED);

	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, MMIO, MMIO_GPA);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rcx, 0);
	TEST_ASSERT_EQ(regs.rdi, MMIO_GPA + 2);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * STD; REP INSB from a port userspace answers, storing downwards from the
 * device's byte: the first byte is an event, the next ones go to an
 * ioeventfd on each byte below it (answered in the kernel: a userspace
 * MMIO write would end the emulation and make the guest run the
 * instruction again, reading the ports again on any kernel).  KVM reads
 * the ports ahead in one KVM_EXIT_IO; the event must not make it drop what
 * userspace supplied and read the ports again: userspace sees exactly as
 * many port reads as the instruction asked for, then the event.
 */
TEST_F(pvpanic, rep_insb_reads_each_port_once)
{
	static const uint8_t data[] = { PVPANIC_PANICKED, 0x11, 0x22, 0x33 };
	const uint64_t dev = MMIO_GPA + 0x80;
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_run *run = vcpu->run;
	unsigned int reads = 0, exits = 0, i;
	uint64_t stores = 0;
	int efd;

	efd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(efd >= 0, "eventfd: errno %d", errno);
	for (i = 1; i < ARRAY_SIZE(data); i++)
		TEST_ASSERT_EQ(__ioeventfd(self->vm, dev - i, 1, 0, efd, true), 0);
	vm_pvpanic_enable(self->vm, MMIO, dev, PVPANIC_EVENTS);

	set_op(vcpu, OP_INSB, 1, dev, ARRAY_SIZE(data));
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_PVPANIC) {
			assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, MMIO, dev);
			/* The stores made before the exit (none: EAGAIN). */
			if (read(efd, &stores, sizeof(stores)) != sizeof(stores))
				stores = 0;
			exits++;
			continue;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != INS_PORT)
			break;
		TEST_ASSERT_EQ(run->io.direction, KVM_EXIT_IO_IN);
		TEST_ASSERT(reads + run->io.count <= ARRAY_SIZE(data),
			    "port 0x%x read %u times, the guest asked for %zu",
			    INS_PORT, reads + run->io.count, ARRAY_SIZE(data));
		for (i = 0; i < run->io.count; i++)
			((uint8_t *)run + run->io.data_offset)[i] = data[reads + i];
		reads += run->io.count;
	}
	expect_sync_now(vcpu);
	TEST_ASSERT_EQ(reads, ARRAY_SIZE(data));
	TEST_ASSERT_EQ(exits, 1);
	/* The event came after the whole instruction: every store was made. */
	TEST_ASSERT_EQ(stores, ARRAY_SIZE(data) - 1);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
	close(efd);
}

/*
 * A 2-byte store to the last byte of a page is split by KVM's emulator: the
 * first byte goes to a device at the end of the page, the second one to
 * userspace.  The event is then pending while the vCPU is out on
 * KVM_EXIT_MMIO, and comes out on the next KVM_RUN.
 */
static void exit_with_event_pending(struct kvm_vcpu *vcpu)
{
	const uint64_t addr = MMIO_GPA + 0xfff;

	vm_pvpanic_enable(vcpu->vm, MMIO, addr, PVPANIC_EVENTS);
	set_op(vcpu, OP_WRITE, 2, addr, PVPANIC_SHUTDOWN | 0x1200);
	vcpu_run(vcpu);
	assert_user_exit(vcpu, OP_WRITE, 1, addr + 1);
	TEST_ASSERT_EQ(vcpu->run->mmio.data[0], 0x12);
}

TEST_F(pvpanic, event_pending_across_exit)
{
	exit_with_event_pending(self->vcpu);
	vcpu_run(self->vcpu);
	assert_pvpanic_exit(self->vcpu, PVPANIC_SHUTDOWN, MMIO, MMIO_GPA + 0xfff);
	expect_sync(self->vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * With the split store's event pending and @why making KVM_RUN return
 * -EINTR: the event first (return 0), then -EINTR, the event delivered once.
 */
static void expect_event_then_eintr(struct kvm_vcpu *vcpu, uint64_t events,
				    uint64_t space, uint64_t addr,
				    const char *why)
{
	int r;

	r = __vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN with an event pending and %s: %d, errno %d",
		    why, r, errno);
	assert_pvpanic_exit(vcpu, events, space, addr);

	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR, "KVM_RUN with %s: %d, errno %d",
		    why, r, errno);
}

/*
 * The store finishes when KVM_RUN completes the KVM_EXIT_MMIO, and its event
 * is that KVM_RUN's return, ahead of immediate_exit's -EINTR.  The event is
 * delivered once: the next KVM_RUN with immediate_exit is a plain -EINTR.
 */
TEST_F(pvpanic, event_ahead_of_immediate_exit)
{
	struct kvm_vcpu *vcpu = self->vcpu;

	exit_with_event_pending(vcpu);
	vcpu->run->immediate_exit = 1;
	expect_event_then_eintr(vcpu, PVPANIC_SHUTDOWN, MMIO, MMIO_GPA + 0xfff,
				"immediate_exit");
	vcpu->run->immediate_exit = 0;
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * Userspace single-steps the guest through its OUT: the OUT's own
 * KVM_EXIT_DEBUG is not overwritten, and the event is the very next exit,
 * at the same RIP, before the guest executes anything else.
 */
TEST_F(pvpanic, event_after_single_step_exit)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t last_debug_pc = 0;
	struct kvm_regs regs;
	int steps;

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	set_op(vcpu, OP_OUT, 1, PORT, PVPANIC_PANICKED);
	vcpu_guest_debug_set(vcpu, &debug);
	for (steps = 0; steps < 10000; steps++) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_DEBUG)
			break;
		last_debug_pc = vcpu->run->debug.arch.pc;
	}
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, PIO, PORT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(steps && last_debug_pc == regs.rip,
		    "single-step exit at 0x%lx, then KVM_EXIT_PVPANIC at 0x%llx",
		    last_debug_pc, (unsigned long long)regs.rip);

	debug.control = 0;
	vcpu_guest_debug_set(vcpu, &debug);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * A VMM about to save the vCPU's state after a single-step exit drains it
 * with KVM_RUN and immediate_exit: the event written by the stepped OUT is
 * that KVM_RUN's return (0), once; the next one is a plain -EINTR.
 */
TEST_F(pvpanic, event_drained_after_single_step)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_vcpu *vcpu = self->vcpu;
	int steps;

	vm_pvpanic_enable(self->vm, PIO, PORT, PVPANIC_EVENTS);
	set_op(vcpu, OP_OUT, 1, PORT, PVPANIC_PANICKED);
	vcpu_guest_debug_set(vcpu, &debug);
	for (steps = 0; steps < 10000 && !pvpanic_stat(self->vm); steps++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_DEBUG);
	}
	TEST_ASSERT(pvpanic_stat(self->vm) == 1, "the OUT never ran");

	vcpu->run->immediate_exit = 1;
	expect_event_then_eintr(vcpu, PVPANIC_PANICKED, PIO, PORT,
				"immediate_exit after a single-step exit");
	vcpu->run->immediate_exit = 0;

	debug.control = 0;
	vcpu_guest_debug_set(vcpu, &debug);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * The same with a signal pending (blocked for the thread, unblocked in
 * KVM_RUN): the event first, then KVM_EXIT_INTR, and the signal stays
 * pending for userspace until it takes it.
 */
TEST_F(pvpanic, event_ahead_of_signal)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	sigset_t block, run_mask, pending;
	int sig;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	TEST_ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	sigemptyset(&run_mask);
	vcpu_set_signal_mask(vcpu, &run_mask);

	exit_with_event_pending(vcpu);
	TEST_ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);

	expect_event_then_eintr(vcpu, PVPANIC_SHUTDOWN, MMIO, MMIO_GPA + 0xfff,
				"a signal pending");
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_INTR);

	TEST_ASSERT_EQ(sigpending(&pending), 0);
	TEST_ASSERT(sigismember(&pending, SIGUSR1), "SIGUSR1 no longer pending");
	TEST_ASSERT_EQ(sigwait(&block, &sig), 0);
	TEST_ASSERT_EQ(sig, SIGUSR1);
	TEST_ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);

	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * A VM that is really destroyed gives back the reference it holds on the
 * vendor module (kvm_create_vm() takes it, kvm_destroy_vm() drops it),
 * whatever state the device was in; one that leaked would keep it.  A
 * kernel with KVM built in has no count to read.
 */
static int kvm_module_refcnt(void)
{
	static const char * const paths[] = {
		"/sys/module/kvm_amd/refcnt", "/sys/module/kvm_intel/refcnt",
	};
	int i, n;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		FILE *f = fopen(paths[i], "r");

		if (!f)
			continue;
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
		return n;
	}
	return -1;
}

/* A VM for a destroy test, and the module's count before it existed. */
static struct kvm_vm *create_vm_counted(struct kvm_vcpu **vcpu, int *refcnt)
{
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	*refcnt = kvm_module_refcnt();
	__TEST_REQUIRE(*refcnt >= 0, "no kvm_amd or kvm_intel refcnt: KVM is built in");

	vm = create_vm(vcpu);
	TEST_ASSERT(kvm_module_refcnt() > *refcnt, "a VM holds the vendor module");
	return vm;
}

/* Free the VM: its last reference must be gone, and the module's with it. */
static void free_vm_counted(struct kvm_vm *vm, int refcnt)
{
	kvm_vm_free(vm);
	TEST_ASSERT_EQ(kvm_module_refcnt(), refcnt);
}

TEST(destroy_with_event_pending)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int refcnt;

	vm = create_vm_counted(&vcpu, &refcnt);
	exit_with_event_pending(vcpu);
	free_vm_counted(vm, refcnt);

	/* A new VM starts with nothing: no device, no stat, no event. */
	vm = create_vm(&vcpu);
	assert_no_device_at(vcpu, MMIO, MMIO_GPA + 0xfff);
	TEST_ASSERT_EQ(pvpanic_stat(vm), 0);
	kvm_vm_free(vm);
}

TEST(destroy_with_device_enabled)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int refcnt;

	vm = create_vm_counted(&vcpu, &refcnt);
	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_EVENTS);
	write_event(vcpu, PIO, PORT, PVPANIC_PANICKED, PVPANIC_PANICKED);
	vm_pvpanic_enable(vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	free_vm_counted(vm, refcnt);
}

/*
 * Only userspace can make the bit true, so KVM does not report it; a VMM
 * that sets it in the guest's CPUID (having a device at port 0x505) gets it
 * through to the guest, and one that does not, does not.
 */
#define X86_FEATURE_KVM_PVPANIC \
	KVM_X86_CPU_FEATURE(KVM_CPUID_FEATURES, 0, EAX, KVM_FEATURE_PVPANIC)

static void guest_read_pv_features(void)
{
	GUEST_SYNC(this_cpu_has(X86_FEATURE_KVM_PVPANIC));
}

static void guest_sees_bit(bool set)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	vm = vm_create_with_one_vcpu(&vcpu, guest_read_pv_features);
	if (set) {
		vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_EVENTS);
		vcpu_set_cpuid_feature(vcpu, X86_FEATURE_KVM_PVPANIC);
	} else {
		vcpu_clear_cpuid_feature(vcpu, X86_FEATURE_KVM_PVPANIC);
	}
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT_EQ(uc.args[1], set);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected ucall %lu", uc.cmd);
	}
	kvm_vm_free(vm);
}

TEST(cpuid_feature_bit)
{
	const struct kvm_cpuid_entry2 *e;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	e = get_cpuid_entry(kvm_get_supported_cpuid(), KVM_CPUID_FEATURES, 0);
	TEST_ASSERT(!(e->eax & (1u << KVM_FEATURE_PVPANIC)),
		    "KVM_GET_SUPPORTED_CPUID reports KVM_FEATURE_PVPANIC: KVM_CPUID_FEATURES.EAX 0x%x",
		    e->eax);

	/* The guest sees the bit exactly when the VMM sets it. */
	guest_sees_bit(true);
	guest_sees_bit(false);
}

/*
 * Real mode, no in-kernel irqchip: with request_interrupt_window set, the
 * guest opens its interrupt window with STI, whose shadow covers the OUT
 * that writes the event.  The window is open as soon as the write has
 * completed; the event must still be the first exit, the window the next.
 */
#define RM_CODE_GPA	0x1000

static const uint8_t rm_sti_out_hlt[] = {
	0xba, PORT & 0xff, PORT >> 8,	/* mov $PORT, %dx */
	0xb0, PVPANIC_PANICKED,		/* mov $PANICKED, %al */
	0xfb,				/* sti */
	0xee,				/* out %al, (%dx) */
	0xf4,				/* hlt */
};

TEST(event_ahead_of_irq_window)
{
	struct kvm_sregs sregs;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	vm = vm_create_barebones();
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, 0, 1, 4, 0);
	memcpy(addr_gpa2hva(vm, RM_CODE_GPA), rm_sti_out_hlt,
	       sizeof(rm_sti_out_hlt));
	vcpu = __vm_vcpu_add(vm, 0);

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_regs_get(vcpu, &regs);
	regs.rip = RM_CODE_GPA;
	regs.rflags = 0x2;	/* IF clear: no window until the STI */
	vcpu_regs_set(vcpu, &regs);

	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_EVENTS);
	vcpu->run->request_interrupt_window = 1;

	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, PIO, PORT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, RM_CODE_GPA + sizeof(rm_sti_out_hlt) - 1);

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 1);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, RM_CODE_GPA + sizeof(rm_sti_out_hlt) - 1);
	TEST_ASSERT_EQ(pvpanic_stat(vm), 1);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
