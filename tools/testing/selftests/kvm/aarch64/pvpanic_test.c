// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for the in-kernel pvpanic device on arm64: KVM_CAP_PVPANIC on the
 * MMIO bus, and KVM_EXIT_PVPANIC from the arm64 run loop.
 *
 * The guest runs one access at a time, chosen by the host in guest_op, and
 * reports the value it read with GUEST_SYNC (an MMIO ucall).  Whether the
 * access was answered in the kernel or went to userspace is told by the
 * exits seen on the way.  Every access is a single instruction written out
 * in asm, so that the data abort's syndrome is what the test means it to be.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <linux/sizes.h>

#include "kvm_test_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "vgic.h"
#include "gic.h"
#include "pvpanic.h"

#define MMIO_GPA		0xc0000000ull	/* two pages, no memslot */
#define MMIO			KVM_PVPANIC_SPACE_MMIO
#define PIO			KVM_PVPANIC_SPACE_PIO

enum op_kind { OP_READ, OP_WRITE, OP_WRITE_WB, OP_WRITE_PAIR };

struct guest_op {
	uint32_t kind;
	uint32_t width;
	uint64_t addr;
	uint64_t val;
};

static struct guest_op guest_op;

static uint64_t guest_access(const struct guest_op *op)
{
	uint64_t v = 0, p = op->addr;

	switch (op->kind * 16 + op->width) {
	case OP_READ * 16 + 1:
		asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
		return v;
	case OP_READ * 16 + 2:
		asm volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
		return v;
	case OP_READ * 16 + 4:
		asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
		return v;
	case OP_READ * 16 + 8:
		asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
		return v;
	case OP_WRITE * 16 + 1:
		asm volatile("strb %w0, [%1]" : : "r"(op->val), "r"(p) : "memory");
		return 0;
	case OP_WRITE * 16 + 2:
		asm volatile("strh %w0, [%1]" : : "r"(op->val), "r"(p) : "memory");
		return 0;
	case OP_WRITE * 16 + 4:
		asm volatile("str %w0, [%1]" : : "r"(op->val), "r"(p) : "memory");
		return 0;
	case OP_WRITE * 16 + 8:
		asm volatile("str %0, [%1]" : : "r"(op->val), "r"(p) : "memory");
		return 0;
	case OP_WRITE_WB * 16 + 1:
		/* Post-index: a writeback, so no valid syndrome (ISV == 0). */
		asm volatile("strb %w1, [%0], #1" : "+r"(p) : "r"(op->val) : "memory");
		return p;
	case OP_WRITE_PAIR * 16 + 8:
		/* A store pair has no valid syndrome either. */
		asm volatile("stp %w0, %w0, [%1]" : : "r"(op->val), "r"(p) : "memory");
		return 0;
	}
	GUEST_FAIL("bad op %u width %u", op->kind, op->width);
	return 0;
}

static void guest_code(void)
{
	for (;;) {
		struct guest_op op = READ_ONCE(guest_op);

		GUEST_SYNC(guest_access(&op));
	}
}

/* Host side */

static void set_op(struct kvm_vcpu *vcpu, uint32_t kind, uint32_t width,
		   uint64_t addr, uint64_t val)
{
	guest_op = (struct guest_op) { kind, width, addr, val };
	sync_global_to_guest(vcpu->vm, guest_op);
}

static bool is_read_op(uint32_t kind)
{
	return kind == OP_READ;
}

static uint64_t vcpu_pc(struct kvm_vcpu *vcpu)
{
	uint64_t pc;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.pc), &pc);
	return pc;
}

/* The exit just taken must be the guest's report: return what it read. */
static uint64_t expect_sync_now(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %u (%s), MMIO at 0x%llx len %u",
			  run->exit_reason, exit_reason_str(run->exit_reason),
			  run->mmio.phys_addr, run->mmio.len);
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

	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, addr);
	TEST_ASSERT_EQ(run->mmio.len, width);
	TEST_ASSERT_EQ(run->mmio.is_write, !is_read_op(kind));
}

/*
 * An access that must reach userspace as KVM_EXIT_MMIO.  A read is answered
 * with a value the device would never return, and the guest must see
 * exactly that value.
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

	if (is_read_op(kind))
		memcpy(run->mmio.data, &reply, width);
	else
		TEST_ASSERT(!memcmp(run->mmio.data, &val, width), "MMIO data");

	got = expect_sync(vcpu);
	if (is_read_op(kind))
		TEST_ASSERT_EQ(got, reply & (~0ull >> (64 - 8 * width)));
}

static void assert_pvpanic_exit(struct kvm_vcpu *vcpu, uint64_t events,
				uint64_t addr)
{
	struct kvm_run *run = vcpu->run;

	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_PVPANIC);
	TEST_ASSERT_EQ(run->pvpanic.events, events);
	TEST_ASSERT_EQ(run->pvpanic.addr, addr);
	TEST_ASSERT_EQ(run->pvpanic.space, MMIO);
	TEST_ASSERT_EQ(run->pvpanic.flags, 0);
}

/* A 1-byte store that must come out as KVM_EXIT_PVPANIC with @events. */
static void write_event(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t val,
			uint64_t events)
{
	set_op(vcpu, OP_WRITE, 1, addr, val);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, events, addr);
	expect_sync(vcpu);
}

/* The device answers at @addr with @mask. */
static void assert_device_at(struct kvm_vcpu *vcpu, uint64_t addr, uint64_t mask)
{
	TEST_ASSERT_EQ(access_in_kernel(vcpu, OP_READ, 1, addr, 0), mask);
}

static void assert_no_device_at(struct kvm_vcpu *vcpu, uint64_t addr)
{
	access_in_user(vcpu, OP_READ, 1, addr, 0);
	access_in_user(vcpu, OP_WRITE, 1, addr, PVPANIC_PANICKED);
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
	assert_no_device_at(self->vcpu, MMIO_GPA);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

/* There is no PIO bus on arm64: every port is EINVAL, and nothing changes. */
TEST_F(pvpanic, pio_einval)
{
	static const uint64_t ports[] = { 0, 0x505, 0xffff };
	int i, r;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_PANICKED);
	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		r = __vm_pvpanic_enable(self->vm, PIO, ports[i], PVPANIC_EVENTS);
		TEST_ASSERT(r == -1 && errno == EINVAL,
			    "PIO port 0x%lx: %d errno %d, want EINVAL", ports[i], r, errno);
		assert_device_at(self->vcpu, MMIO_GPA, PVPANIC_PANICKED);
	}
}

/* A probe read returns the enabled events, in the kernel, for every mask. */
TEST_F(pvpanic, probe)
{
	uint64_t mask;

	for (mask = 1; mask <= PVPANIC_EVENTS; mask++) {
		vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, mask);
		assert_device_at(self->vcpu, MMIO_GPA, mask);
	}
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

TEST_F(pvpanic, ignored_writes)
{
	struct kvm_vcpu *vcpu = self->vcpu;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_PANICKED);

	/* Zero, unknown bits and a disabled event: no exit at all. */
	access_in_kernel(vcpu, OP_WRITE, 1, MMIO_GPA, 0);
	access_in_kernel(vcpu, OP_WRITE, 1, MMIO_GPA, 0xf8);
	access_in_kernel(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_CRASH_LOADED);
	access_in_kernel(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_SHUTDOWN);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);

	/* All bits at once: only the enabled one is reported. */
	write_event(vcpu, MMIO_GPA, 0xff, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

TEST_F(pvpanic, each_event)
{
	uint64_t bit;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	for (bit = 1; bit <= PVPANIC_SHUTDOWN; bit <<= 1)
		write_event(self->vcpu, MMIO_GPA, bit, bit);
	write_event(self->vcpu, MMIO_GPA, PVPANIC_EVENTS, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 4);
}

/*
 * At KVM_EXIT_MMIO the PC is still on the store (KVM skips it when
 * userspace completes the exit); at KVM_EXIT_PVPANIC it must be past it,
 * and resuming must not repeat it.
 */
TEST_F(pvpanic, pc_after_event)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t pc_at;

	set_op(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_PANICKED);
	vcpu_run(vcpu);
	assert_user_exit(vcpu, OP_WRITE, 1, MMIO_GPA);
	pc_at = vcpu_pc(vcpu);
	expect_sync(vcpu);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, MMIO_GPA);
	TEST_ASSERT_EQ(vcpu_pc(vcpu), pc_at + 4);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

TEST_F(pvpanic, other_widths)
{
	uint32_t w;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	for (w = 2; w <= 8; w *= 2) {
		access_in_user(self->vcpu, OP_READ, w, MMIO_GPA, 0);
		access_in_user(self->vcpu, OP_WRITE, w, MMIO_GPA, PVPANIC_PANICKED);
	}
	assert_device_at(self->vcpu, MMIO_GPA, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

TEST_F(pvpanic, neighbours_untouched)
{
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA + 1, PVPANIC_EVENTS);
	assert_no_device_at(self->vcpu, MMIO_GPA);
	assert_no_device_at(self->vcpu, MMIO_GPA + 2);
	assert_device_at(self->vcpu, MMIO_GPA + 1, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
}

/*
 * A store with writeback, or a store pair, has no valid syndrome: KVM
 * cannot emulate it against any in-kernel device.  Without
 * KVM_CAP_ARM_NISV_TO_USER, KVM_RUN fails (io_mem_abort()); with the
 * device there it must fail the same way, the device never seeing the
 * write.
 */
static void check_no_syndrome(struct kvm_vcpu *vcpu, uint32_t kind, uint32_t width)
{
	struct kvm_vm *vm = vcpu->vm;
	int r, want;

	set_op(vcpu, kind, width, MMIO_GPA, PVPANIC_PANICKED);
	r = __vcpu_run(vcpu);
	want = errno;
	TEST_ASSERT(r == -1, "store without syndrome, no device: KVM_RUN returned %d", r);

	vm_pvpanic_enable(vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == want,
		    "store without syndrome to the device: %d errno %d, want errno %d (%s)",
		    r, errno, want, strerror(want));
	TEST_ASSERT_EQ(pvpanic_stat(vm), 0);
}

TEST_F(pvpanic, writeback_store_fails)
{
	check_no_syndrome(self->vcpu, OP_WRITE_WB, 1);
}

TEST_F(pvpanic, store_pair_fails)
{
	check_no_syndrome(self->vcpu, OP_WRITE_PAIR, 8);
}

TEST_F(pvpanic, writeback_store_nisv)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t pc;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_ARM_NISV_TO_USER));
	vm_enable_cap(self->vm, KVM_CAP_ARM_NISV_TO_USER, 0);
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);

	set_op(vcpu, OP_WRITE_WB, 1, MMIO_GPA, PVPANIC_PANICKED);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_ARM_NISV);
	TEST_ASSERT_EQ(vcpu->run->arm_nisv.fault_ipa, MMIO_GPA);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);

	/* Userspace emulates it: skip the store, the guest goes on. */
	pc = vcpu_pc(vcpu);
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pc), pc + 4);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 0);
	assert_device_at(vcpu, MMIO_GPA, PVPANIC_EVENTS);
}

TEST_F(pvpanic, remove)
{
	/* Removing when there is no device succeeds. */
	vm_pvpanic_enable(self->vm, 0, 0, 0);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	write_event(self->vcpu, MMIO_GPA, PVPANIC_PANICKED, PVPANIC_PANICKED);
	vm_pvpanic_enable(self->vm, 0, 0, 0);
	assert_no_device_at(self->vcpu, MMIO_GPA);
	vm_pvpanic_enable(self->vm, 0, 0, 0);

	/* And it can come back. */
	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_CRASH_LOADED);
	assert_device_at(self->vcpu, MMIO_GPA, PVPANIC_CRASH_LOADED);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/* A BAR move: the old address reaches userspace, the new one the device. */
TEST_F(pvpanic, move)
{
	struct kvm_vcpu *vcpu = self->vcpu;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	write_event(vcpu, MMIO_GPA, PVPANIC_PANICKED, PVPANIC_PANICKED);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA + 0x1010, PVPANIC_CRASH_LOADED);
	assert_no_device_at(vcpu, MMIO_GPA);
	assert_device_at(vcpu, MMIO_GPA + 0x1010, PVPANIC_CRASH_LOADED);
	write_event(vcpu, MMIO_GPA + 0x1010, PVPANIC_EVENTS, PVPANIC_CRASH_LOADED);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_SHUTDOWN);
	assert_no_device_at(vcpu, MMIO_GPA + 0x1010);
	write_event(vcpu, MMIO_GPA, PVPANIC_SHUTDOWN, PVPANIC_SHUTDOWN);

	/* The stat counts across moves. */
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 3);
}

static void expect_einval(struct kvm_vcpu *vcpu, uint32_t flags, uint64_t a0,
			  uint64_t a1, uint64_t a2, uint64_t a3)
{
	int r = __vm_pvpanic_cap(vcpu->vm, flags, a0, a1, a2, a3);

	TEST_ASSERT(r == -1 && errno == EINVAL,
		    "flags 0x%x args 0x%lx 0x%lx 0x%lx 0x%lx: %d errno %d, want EINVAL",
		    flags, a0, a1, a2, a3, r, errno);
}

TEST_F(pvpanic, invalid_args)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t bit;
	int i;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_PANICKED);

	for (i = 0; i < 64; i++) {
		bit = 1ull << i;

		if (bit != MMIO)
			expect_einval(vcpu, 0, bit, MMIO_GPA + 8, PVPANIC_EVENTS, 0);
		if (bit & ~PVPANIC_EVENTS)
			expect_einval(vcpu, 0, MMIO, MMIO_GPA + 8, bit, 0);
		expect_einval(vcpu, 0, MMIO, MMIO_GPA + 8, PVPANIC_EVENTS, bit);
		/* Removal takes no address. */
		expect_einval(vcpu, 0, bit, 0, 0, 0);
		expect_einval(vcpu, 0, 0, bit, 0, 0);
		expect_einval(vcpu, 0, 0, 0, 0, bit);
		if (i < 32)
			expect_einval(vcpu, bit, MMIO, MMIO_GPA + 8, PVPANIC_EVENTS, 0);
	}
	/* The last byte of the address space: addr + 1 would wrap. */
	expect_einval(vcpu, 0, MMIO, ~0ull, PVPANIC_EVENTS, 0);

	/* Nothing changed: the device still answers where it was. */
	assert_device_at(vcpu, MMIO_GPA, PVPANIC_PANICKED);
	assert_no_device_at(vcpu, MMIO_GPA + 8);
}

/* ioeventfds whose range covers the device's byte. */
static const struct { int off; uint32_t len; } covering[] = {
	{ 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { -1, 2 }, { -3, 4 }, { -7, 8 },
};

TEST_F(pvpanic, eexist_ioeventfd)
{
	const uint64_t addr = MMIO_GPA + 0x10, parked = MMIO_GPA + 0x100;
	const uint32_t dm_flag = KVM_IOEVENTFD_FLAG_DATAMATCH;
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_vm *vm = self->vm;
	int fd = eventfd(0, 0);
	uint32_t dm;
	int i;

	TEST_ASSERT(fd >= 0, "eventfd");
	vm_pvpanic_enable(vm, MMIO, parked, PVPANIC_PANICKED);
	for (i = 0; i < ARRAY_SIZE(covering); i++) {
		uint64_t a = addr + covering[i].off;
		uint32_t len = covering[i].len;

		for (dm = 0; dm <= dm_flag; dm += dm_flag) {
			if (dm && !len)
				continue;

			/* ioeventfd first: the device cannot be placed over it. */
			TEST_ASSERT_EQ(__ioeventfd(vm, a, len, dm, fd, true), 0);
			expect_eexist(__vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS),
				      "pvpanic over ioeventfd");
			assert_device_at(vcpu, parked, PVPANIC_PANICKED);
			TEST_ASSERT_EQ(__ioeventfd(vm, a, len, dm, fd, false), 0);

			/* Device first: the ioeventfd cannot be placed over it. */
			vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS);
			expect_eexist(__ioeventfd(vm, a, len, dm, fd, true),
				      "ioeventfd over pvpanic");
			assert_device_at(vcpu, addr, PVPANIC_EVENTS);
			vm_pvpanic_enable(vm, MMIO, parked, PVPANIC_PANICKED);
		}
	}

	/* Right next to the device is fine, both ways round. */
	vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS);
	TEST_ASSERT_EQ(__ioeventfd(vm, addr + 1, 1, 0, fd, true), 0);
	TEST_ASSERT_EQ(__ioeventfd(vm, addr - 2, 2, 0, fd, true), 0);
	vm_pvpanic_enable(vm, 0, 0, 0);
	vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS);
	assert_device_at(vcpu, addr, PVPANIC_EVENTS);
	close(fd);
}

TEST_F(pvpanic, eexist_coalesced)
{
	const uint64_t addr = MMIO_GPA + 0x10, parked = MMIO_GPA + 0x100;
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_vm *vm = self->vm;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_MMIO));
	vm_pvpanic_enable(vm, MMIO, parked, PVPANIC_PANICKED);

	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 8, false, true), 0);
	expect_eexist(__vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS),
		      "pvpanic over a coalesced zone");
	assert_device_at(vcpu, parked, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 8, false, false), 0);

	vm_pvpanic_enable(vm, MMIO, addr, PVPANIC_EVENTS);
	expect_eexist(__coalesced(vm, addr - 4, 8, false, true), "coalesced zone over pvpanic");
	expect_eexist(__coalesced(vm, addr, 1, false, true), "coalesced zone over pvpanic");
	assert_device_at(vcpu, addr, PVPANIC_EVENTS);

	/* A zone that ends just before the device is fine. */
	TEST_ASSERT_EQ(__coalesced(vm, addr - 4, 4, false, true), 0);
	assert_device_at(vcpu, addr, PVPANIC_EVENTS);
}

/* A VM with a vGICv3; its redistributor frames are on the bus from here. */
static struct kvm_vm *create_vm_vgic(struct kvm_vcpu **vcpu, int *gic_fd)
{
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	vm = create_vm(vcpu);
	*gic_fd = vgic_v3_setup(vm, 1, 64);
	__TEST_REQUIRE(*gic_fd >= 0, "no GICv3 to emulate (vgic_v3_setup: %d)", *gic_fd);
	return vm;
}

/*
 * The vGIC's frames are in-kernel devices on the same bus: the device
 * cannot be placed in the distributor once the first KVM_RUN mapped it, or
 * in a redistributor frame at all.
 */
TEST(eexist_vgic)
{
	static const uint64_t taken[] = {
		GICD_BASE_GPA, GICD_BASE_GPA + 0x100, GICD_BASE_GPA + KVM_VGIC_V3_DIST_SIZE - 1,
		GICR_BASE_GPA, GICR_BASE_GPA + 0x10000 + 0x80,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int gic_fd, i, r;

	vm = create_vm_vgic(&vcpu, &gic_fd);
	vm_pvpanic_enable(vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	assert_device_at(vcpu, MMIO_GPA, PVPANIC_EVENTS);

	for (i = 0; i < ARRAY_SIZE(taken); i++) {
		r = __vm_pvpanic_enable(vm, MMIO, taken[i], PVPANIC_EVENTS);
		TEST_ASSERT(r == -1 && errno == EEXIST,
			    "pvpanic over the vGIC at 0x%lx: %d errno %d, want EEXIST",
			    taken[i], r, errno);
		assert_device_at(vcpu, MMIO_GPA, PVPANIC_EVENTS);
	}
	/* Just before the distributor (no ITS in this VM): free. */
	virt_map(vm, GICD_BASE_GPA - vm->page_size, GICD_BASE_GPA - vm->page_size, 1);
	vm_pvpanic_enable(vm, MMIO, GICD_BASE_GPA - 1, PVPANIC_EVENTS);
	assert_device_at(vcpu, GICD_BASE_GPA - 1, PVPANIC_EVENTS);
	close(gic_fd);
	kvm_vm_free(vm);
}

/*
 * The other way round: a device placed in the distributor's frame before
 * the vGIC is mapped makes that mapping, the first KVM_RUN, fail, and
 * kvm_vgic_map_resources() kills the VM: every later ioctl is EIO.  The VM
 * is not freed through kvm_vm_free(), whose memslot ioctls would fail: the
 * test's process exits, which closes it.
 */
TEST(vgic_over_pvpanic)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int gic_fd, r;

	vm = create_vm_vgic(&vcpu, &gic_fd);
	vm_pvpanic_enable(vm, MMIO, GICD_BASE_GPA + 0x100, PVPANIC_EVENTS);
	set_op(vcpu, OP_READ, 1, MMIO_GPA, 0);
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EEXIST,
		    "first KVM_RUN with the device in the distributor: %d errno %d, want EEXIST",
		    r, errno);
	r = __vm_ioctl(vm, KVM_CHECK_EXTENSION, (void *)KVM_CAP_USER_MEMORY);
	TEST_ASSERT(r == -1 && errno == EIO, "the VM lives on: %d errno %d", r, errno);
	close(gic_fd);
}

TEST(two_vms_isolated)
{
	struct kvm_vcpu *vcpu_a, *vcpu_b;
	struct kvm_vm *a, *b;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	a = create_vm(&vcpu_a);
	b = create_vm(&vcpu_b);

	vm_pvpanic_enable(a, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	assert_no_device_at(vcpu_b, MMIO_GPA);
	write_event(vcpu_a, MMIO_GPA, PVPANIC_PANICKED, PVPANIC_PANICKED);

	vm_pvpanic_enable(b, MMIO, MMIO_GPA + 0x20, PVPANIC_CRASH_LOADED);
	assert_device_at(vcpu_a, MMIO_GPA, PVPANIC_EVENTS);
	assert_no_device_at(vcpu_a, MMIO_GPA + 0x20);
	assert_device_at(vcpu_b, MMIO_GPA + 0x20, PVPANIC_CRASH_LOADED);

	TEST_ASSERT_EQ(pvpanic_stat(a), 1);
	TEST_ASSERT_EQ(pvpanic_stat(b), 0);
	kvm_vm_free(b);
	write_event(vcpu_a, MMIO_GPA, PVPANIC_SHUTDOWN, PVPANIC_SHUTDOWN);
	kvm_vm_free(a);
}

#define NR_VCPUS	3
#define NR_WRITES	50

/* Each vCPU writes its own event NR_WRITES times. */
static void guest_code_writer(uint32_t id)
{
	int i;

	for (i = 0; i < NR_WRITES; i++)
		asm volatile("strb %w0, [%1]" : : "r"(1u << id), "r"(MMIO_GPA) : "memory");
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
			assert_pvpanic_exit(vcpu, own, MMIO_GPA);
			exits++;
			continue;
		}
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
	virt_map(vm, MMIO_GPA, MMIO_GPA, 1);
	vm_pvpanic_enable(vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);

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
 * With the event delivered, a KVM_RUN with immediate_exit returns -EINTR:
 * the event went out once, with the KVM_RUN that executed the store.
 */
TEST_F(pvpanic, event_once_then_immediate_exit)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	int r;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	set_op(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_SHUTDOWN);
	vcpu_run(vcpu);
	assert_pvpanic_exit(vcpu, PVPANIC_SHUTDOWN, MMIO_GPA);

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR, "KVM_RUN with immediate_exit: %d, errno %d",
		    r, errno);
	vcpu->run->immediate_exit = 0;
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * Userspace single-steps the guest through its store.  KVM emulates the
 * store, which completes the step, and the event is the first exit after
 * it, with the PC past the store.  The step exception is then taken at the
 * next entry: KVM_EXIT_DEBUG at that same PC, the instruction after the
 * store not executed yet.
 */
TEST_F(pvpanic, event_before_single_step_exit)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_vcpu *vcpu = self->vcpu;
	uint64_t last_step_pc = 0, pc;
	int steps;

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	set_op(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_PANICKED);
	vcpu_guest_debug_set(vcpu, &debug);
	for (steps = 0; steps < 10000; steps++) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_DEBUG)
			break;
		last_step_pc = vcpu_pc(vcpu);
	}
	assert_pvpanic_exit(vcpu, PVPANIC_PANICKED, MMIO_GPA);
	pc = vcpu_pc(vcpu);
	TEST_ASSERT(steps && pc == last_step_pc + 4,
		    "last step exit at 0x%lx, then KVM_EXIT_PVPANIC at 0x%lx", last_step_pc, pc);

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_DEBUG);
	TEST_ASSERT_EQ(vcpu_pc(vcpu), pc);

	debug.control = 0;
	vcpu_guest_debug_set(vcpu, &debug);
	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

static int tracepoint_id(const char *event)
{
	static const char * const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events",
	};
	char path[128];
	int i, id = -1;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(roots) && id < 0; i++) {
		snprintf(path, sizeof(path), "%s/%s/id", roots[i], event);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
	}
	return id;
}

/*
 * A signal that becomes pending while KVM handles the guest's store: a
 * perf event with sigtrap on the kvm:kvm_pvpanic tracepoint, which the
 * device's write fires, queues a SIGTRAP for this thread as task work.
 * Run by xfer_to_guest_mode_handle_work() before the next entry, it would
 * make that KVM_RUN return -EINTR with the event pending; the event must
 * come first (0), the task work then runs on the way back to userspace,
 * and the next KVM_RUN returns -EINTR.  The signal stays pending for
 * userspace.
 */
TEST_F(pvpanic, event_ahead_of_signal)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.sigtrap = 1,
		.remove_on_exec = 1,
	};
	struct kvm_vcpu *vcpu = self->vcpu;
	sigset_t block, run_mask, pending;
	int id, fd, r, sig;

	id = tracepoint_id("kvm/kvm_pvpanic");
	__TEST_REQUIRE(id >= 0, "no kvm:kvm_pvpanic tracepoint (tracefs not mounted?)");
	attr.config = id;

	sigemptyset(&block);
	sigaddset(&block, SIGTRAP);
	TEST_ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	sigemptyset(&run_mask);
	vcpu_set_signal_mask(vcpu, &run_mask);

	fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	__TEST_REQUIRE(fd >= 0, "perf_event_open(kvm:kvm_pvpanic, sigtrap): errno %d", errno);

	vm_pvpanic_enable(self->vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	set_op(vcpu, OP_WRITE, 1, MMIO_GPA, PVPANIC_SHUTDOWN);
	r = __vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN whose store raised an event and a signal: %d, errno %d",
		    r, errno);
	assert_pvpanic_exit(vcpu, PVPANIC_SHUTDOWN, MMIO_GPA);
	close(fd);

	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR, "KVM_RUN with SIGTRAP pending: %d, errno %d",
		    r, errno);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_INTR);

	TEST_ASSERT_EQ(sigpending(&pending), 0);
	TEST_ASSERT(sigismember(&pending, SIGTRAP), "SIGTRAP not pending");
	TEST_ASSERT_EQ(sigwait(&block, &sig), 0);
	TEST_ASSERT_EQ(sig, SIGTRAP);
	TEST_ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);

	expect_sync(vcpu);
	TEST_ASSERT_EQ(pvpanic_stat(self->vm), 1);
}

/*
 * KVM is built in on arm64: there is no module count.  A VM that is really
 * destroyed removes its debugfs directory (kvm_destroy_vm()); one that
 * leaked a reference would keep it.
 */
static int vm_debugfs_dirs(void)
{
	char prefix[32];
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir("/sys/kernel/debug/kvm");
	if (!d)
		return -1;
	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

TEST(destroy_with_device_enabled)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int before;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	before = vm_debugfs_dirs();
	__TEST_REQUIRE(before >= 0, "no /sys/kernel/debug/kvm (debugfs not mounted?)");

	vm = create_vm(&vcpu);
	TEST_ASSERT_EQ(vm_debugfs_dirs(), before + 1);
	vm_pvpanic_enable(vm, MMIO, MMIO_GPA, PVPANIC_EVENTS);
	write_event(vcpu, MMIO_GPA, PVPANIC_PANICKED, PVPANIC_PANICKED);
	vm_pvpanic_enable(vm, MMIO, MMIO_GPA + 0x40, PVPANIC_EVENTS);
	kvm_vm_free(vm);
	TEST_ASSERT_EQ(vm_debugfs_dirs(), before);

	/* A new VM starts with nothing: no device, no stat. */
	vm = create_vm(&vcpu);
	assert_no_device_at(vcpu, MMIO_GPA + 0x40);
	TEST_ASSERT_EQ(pvpanic_stat(vm), 0);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
