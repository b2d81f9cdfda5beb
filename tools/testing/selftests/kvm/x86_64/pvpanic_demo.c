// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small VMM that shows the in-kernel pvpanic device at work: its guest
 * probes the device, reports a loaded crash kernel, then panics, and the VMM
 * prints every exit it gets.  Run by `make demo`; not a test.
 */
#include <misc/pvpanic.h>

#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define PORT	0x505

static void guest_outb(uint8_t val)
{
	asm volatile("outb %b0, %w1" : : "a"(val), "d"(PORT));
}

static void guest_code(void)
{
	uint8_t mask;

	asm volatile("inb %w1, %b0" : "=a"(mask) : "d"(PORT));
	GUEST_PRINTF("guest: probe: inb(0x%x) = 0x%x, answered by KVM: no exit\n", PORT, mask);
	GUEST_ASSERT(mask & PVPANIC_PANICKED);

	GUEST_PRINTF("guest: kexec loaded a crash kernel; outb(0x%x, CRASH_LOADED)\n", PORT);
	guest_outb(PVPANIC_CRASH_LOADED);
	GUEST_PRINTF("guest: still running after CRASH_LOADED\n");

	GUEST_PRINTF("guest: panic(); outb(0x%x, PANICKED)\n", PORT);
	guest_outb(PVPANIC_PANICKED);
	GUEST_PRINTF("guest: resumed after PANICKED (the VMM chose to let it run)\n");
	GUEST_DONE();
}

static const char *event_names(uint64_t events)
{
	static char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s%s",
		     events & PVPANIC_PANICKED ? "|PANICKED" : "",
		     events & PVPANIC_CRASH_LOADED ? "|CRASH_LOADED" : "",
		     events & PVPANIC_SHUTDOWN ? "|SHUTDOWN" : "");
	return n ? buf + 1 : "none";
}

/* What a VMM's policy might do; this one only says it and resumes. */
static void handle_pvpanic(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	printf("VMM:   exit KVM_EXIT_PVPANIC: events 0x%llx (%s) at %s 0x%llx, flags %u\n",
	       run->pvpanic.events, event_names(run->pvpanic.events),
	       run->pvpanic.space == KVM_PVPANIC_SPACE_PIO ? "port" : "GPA",
	       run->pvpanic.addr, run->pvpanic.flags);
	printf("VMM:   guest RIP 0x%llx, already past its OUT\n", regs.rip);
	if (run->pvpanic.events & PVPANIC_PANICKED)
		printf("VMM:   policy: the guest panicked; a real VMM would dump or stop it\n");
	else
		printf("VMM:   policy: informational; note it and resume the guest\n");
}

int main(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PVPANIC };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int nr_pvpanic = 0, nr_prints = 0;
	struct ucall uc;
	int events;

	events = kvm_check_cap(KVM_CAP_PVPANIC);
	printf("VMM: KVM_CHECK_EXTENSION(KVM_CAP_PVPANIC) = 0x%x (%s)\n", events,
	       event_names(events));
	TEST_REQUIRE(events);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	cap.args[0] = KVM_PVPANIC_SPACE_PIO;
	cap.args[1] = PORT;
	cap.args[2] = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	printf("VMM: KVM_ENABLE_CAP(KVM_CAP_PVPANIC): port 0x%x, events 0x%llx (%s)\n",
	       PORT, cap.args[2], event_names(cap.args[2]));

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_PVPANIC) {
			handle_pvpanic(vcpu);
			nr_pvpanic++;
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_PRINTF:
			printf("%s", uc.buffer);
			nr_prints++;
			continue;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		case UCALL_DONE:
			break;
		default:
			TEST_FAIL("unexpected exit at port 0x%x", vcpu->run->io.port);
		}
		break;
	}

	/* Any other exit, such as KVM_EXIT_IO for the probe, failed above. */
	printf("VMM: exits seen: %d KVM_EXIT_PVPANIC, %d guest prints, 1 GUEST_DONE, 0 probes\n",
	       nr_pvpanic, nr_prints);
	printf("VMM: VM stat pvpanic_events = %lu; fdinfo kvm-vm-id = %lu (the feed's name)\n",
	       vm_get_stat(vm, "pvpanic_events"), vm_feed_id(vm));
	kvm_vm_free(vm);
	return 0;
}
