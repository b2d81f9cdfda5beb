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
