// SPDX-License-Identifier: GPL-2.0-only
/*
 * An exit to userspace that a request set up (here Hyper-V's crash MSR,
 * KVM_REQ_HV_CRASH -> KVM_SYSTEM_EVENT_CRASH) must not be left pending when
 * KVM_RUN returns for another reason: pending requests are not part of the
 * state a VMM saves, so a VMM that pauses or migrates the VM there loses it.
 *
 * The guest runs in real mode, without an in-kernel irqchip, from a few
 * bytes of code: it writes CRASH_NOTIFY to HV_X64_MSR_CRASH_CTL, which KVM
 * handles in the kernel, and halts.
 */
#include "kvm_test_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "hyperv.h"

#define CODE_GPA	0x1000

static const uint8_t code[] = {
	0x66, 0xb9, 0x05, 0x01, 0x00, 0x40,	/* mov $HV_X64_MSR_CRASH_CTL, %ecx */
	0x66, 0x31, 0xc0,			/* xor %eax, %eax */
	0x66, 0xba, 0x00, 0x00, 0x00, 0x80,	/* mov $CRASH_NOTIFY >> 32, %edx */
	0xfb,					/* sti */
	0x0f, 0x30,				/* wrmsr */
	0xf4,					/* hlt */
};

#define HLT_GPA		(CODE_GPA + sizeof(code) - 1)

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_vm *vm;

	vm = vm_create_barebones();
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, 0, 1, 4, 0);
	memcpy(addr_gpa2hva(vm, CODE_GPA), code, sizeof(code));
	*vcpu = __vm_vcpu_add(vm, 0);
	vcpu_set_hv_cpuid(*vcpu);

	vcpu_sregs_get(*vcpu, &sregs);
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	vcpu_sregs_set(*vcpu, &sregs);
	vcpu_regs_get(*vcpu, &regs);
	regs.rip = CODE_GPA;
	regs.rflags = 0x2;	/* IF clear: no interrupt window until the STI */
	vcpu_regs_set(*vcpu, &regs);
	return vm;
}

static void assert_crash_exit(struct kvm_vcpu *vcpu)
{
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_SYSTEM_EVENT);
	TEST_ASSERT_EQ(vcpu->run->system_event.type, KVM_SYSTEM_EVENT_CRASH);
}

static void assert_rip(struct kvm_vcpu *vcpu, uint64_t rip)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, rip);
}

FIXTURE(exit_request) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(exit_request)
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_HYPERV_CPUID));
	self->vm = create_vm(&self->vcpu);
}

FIXTURE_TEARDOWN(exit_request)
{
	kvm_vm_free(self->vm);
}

/*
 * The STI's shadow covers the WRMSR, so the interrupt window userspace asked
 * for opens as soon as the WRMSR is done, in the kernel: the crash exit must
 * still come first, then the window.
 */
TEST_F(exit_request, ahead_of_irq_window)
{
	struct kvm_vcpu *vcpu = self->vcpu;

	vcpu->run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	assert_crash_exit(vcpu);
	assert_rip(vcpu, HLT_GPA);

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 1);
	assert_rip(vcpu, HLT_GPA);
}

/*
 * Single-stepping the WRMSR: its own KVM_EXIT_DEBUG goes first, with the
 * crash pending.  A VMM drains it before saving state with KVM_RUN and
 * immediate_exit = 1, which must return it (0), once; the next such KVM_RUN
 * is a plain -EINTR, and the guest has not moved.
 */
TEST_F(exit_request, drained_by_immediate_exit)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_vcpu *vcpu = self->vcpu;
	int steps, r;

	vcpu_guest_debug_set(vcpu, &debug);
	for (steps = 0; steps < ARRAY_SIZE(code); steps++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_DEBUG);
		if (vcpu->run->debug.arch.pc == HLT_GPA)
			break;
	}
	TEST_ASSERT(steps < ARRAY_SIZE(code), "no single-step exit after the WRMSR");

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN with immediate_exit and a crash pending: %d, errno %d",
		    r, errno);
	assert_crash_exit(vcpu);

	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "second KVM_RUN with immediate_exit: %d, errno %d", r, errno);
	assert_rip(vcpu, HLT_GPA);
	vcpu->run->immediate_exit = 0;

	debug.control = 0;
	vcpu_guest_debug_set(vcpu, &debug);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_HLT);
}

TEST_HARNESS_MAIN
