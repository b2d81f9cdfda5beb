/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the selftests of the in-kernel pvpanic device (KVM_CAP_PVPANIC).
 */
#ifndef SELFTEST_KVM_PVPANIC_H
#define SELFTEST_KVM_PVPANIC_H

#include <errno.h>
#include <stdio.h>
#include <misc/pvpanic.h>

#include "kvm_util.h"

#define PVPANIC_EVENTS	(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED | PVPANIC_SHUTDOWN)

/* The VM's pvpanic_events stat: writes that raised KVM_EXIT_PVPANIC. */
static inline uint64_t pvpanic_stat(struct kvm_vm *vm)
{
	return vm_get_stat(vm, "pvpanic_events");
}

/* A call that must fail with EEXIST: another device claims the range. */
static inline void expect_eexist(int r, const char *what)
{
	TEST_ASSERT(r == -1 && errno == EEXIST, "%s: %d errno %d, want EEXIST",
		    what, r, errno);
}

/* KVM_IOEVENTFD with datamatch PVPANIC_PANICKED (if flags asks for it). */
static inline int __ioeventfd(struct kvm_vm *vm, uint64_t addr, uint32_t len,
			      uint32_t flags, int fd, bool assign)
{
	struct kvm_ioeventfd ioev = {
		.datamatch = PVPANIC_PANICKED,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = flags | (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return __vm_ioctl(vm, KVM_IOEVENTFD, &ioev);
}

/* KVM_(UN)REGISTER_COALESCED_MMIO, of an MMIO or (pio) a PIO zone. */
static inline int __coalesced(struct kvm_vm *vm, uint64_t addr, uint32_t size,
			      bool pio, bool assign)
{
	struct kvm_coalesced_mmio_zone zone = {
		.addr = addr,
		.size = size,
		.pio = pio,
	};

	return __vm_ioctl(vm, assign ? KVM_REGISTER_COALESCED_MMIO :
			  KVM_UNREGISTER_COALESCED_MMIO, &zone);
}

/* KVM_SET_SIGNAL_MASK: the signal mask while in KVM_RUN. */
static inline void vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *set)
{
	uint8_t buf[sizeof(struct kvm_signal_mask) + 8];
	struct kvm_signal_mask *mask = (void *)buf;

	mask->len = 8;	/* the kernel's sigset_t */
	memcpy(mask->sigset, set, 8);
	vcpu_ioctl(vcpu, KVM_SET_SIGNAL_MASK, mask);
}

/* The raw KVM_ENABLE_CAP(KVM_CAP_PVPANIC), for negative tests. */
static inline int __vm_pvpanic_cap(struct kvm_vm *vm, uint32_t flags, uint64_t a0,
				   uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_PVPANIC,
		.flags = flags,
		.args = { a0, a1, a2, a3 },
	};

	return __vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
}

static inline int __vm_pvpanic_enable(struct kvm_vm *vm, uint64_t space,
				      uint64_t addr, uint64_t events)
{
	return __vm_pvpanic_cap(vm, 0, space, addr, events, 0);
}

/* Place, move or (events 0, with space and addr 0) remove the device. */
static inline void vm_pvpanic_enable(struct kvm_vm *vm, uint64_t space,
				     uint64_t addr, uint64_t events)
{
	int r = __vm_pvpanic_enable(vm, space, addr, events);

	TEST_ASSERT(!r, "KVM_ENABLE_CAP(KVM_CAP_PVPANIC, %lu, 0x%lx, 0x%lx): errno %d",
		    space, addr, events, errno);
}

/*
 * The VM's id in the guest event feed (kvm-events), from the "kvm-vm-id"
 * line of the VM fd's fdinfo; 0 on a kernel without the feed.
 */
static inline uint64_t vm_feed_id(struct kvm_vm *vm)
{
	unsigned long long id = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: errno %d", path, errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kvm-vm-id: %llu", &id) == 1)
			break;
	fclose(f);
	return id;
}

#endif /* SELFTEST_KVM_PVPANIC_H */
