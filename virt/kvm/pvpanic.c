// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM in-kernel pvpanic device
 *
 * The guest side of QEMU's pvpanic device (hw/misc/pvpanic.c) in kvm.ko:
 * a one-byte register whose reads return the events the device supports
 * and whose writes report them.  Reads are answered here, without an exit;
 * a write of an enabled event makes the writing vCPU exit to userspace with
 * KVM_EXIT_PVPANIC, and userspace decides what a panic means.
 *
 * See Documentation/virt/kvm/pvpanic.rst.
 */

#include <kvm/iodev.h>

#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <uapi/misc/pvpanic.h>

#include <trace/events/kvm.h>

#define PVPANIC_EVENTS (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED | PVPANIC_SHUTDOWN)

struct kvm_pvpanic {
	struct kvm_io_device dev;
	struct kvm *kvm;
	gpa_t addr;
	u32 space;
	/* Written under slots_lock, read by vCPUs without it. */
	u8 events;
};

static inline struct kvm_pvpanic *to_pvpanic(struct kvm_io_device *dev)
{
	return container_of(dev, struct kvm_pvpanic, dev);
}

static enum kvm_bus pvpanic_bus(u32 space)
{
	return space == KVM_PVPANIC_SPACE_PIO ? KVM_PIO_BUS : KVM_MMIO_BUS;
}

/* Only one-byte accesses are the device's; others exit to userspace. */
static bool pvpanic_in_range(struct kvm_pvpanic *p, gpa_t addr, int len)
{
	return len == 1 && addr == p->addr;
}

static int pvpanic_read(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			gpa_t addr, int len, void *val)
{
	struct kvm_pvpanic *p = to_pvpanic(this);

	if (!pvpanic_in_range(p, addr, len))
		return -EOPNOTSUPP;

	*(u8 *)val = READ_ONCE(p->events);
	return 0;
}

static int pvpanic_write(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			 gpa_t addr, int len, const void *val)
{
	struct kvm_pvpanic *p = to_pvpanic(this);
	struct kvm_pvpanic_pending *pending = &vcpu->pvpanic;
	u8 events;

	if (!pvpanic_in_range(p, addr, len))
		return -EOPNOTSUPP;

	/* Unknown and disabled bits are ignored, as QEMU's device does. */
	events = *(const u8 *)val & READ_ONCE(p->events);
	if (!events)
		return 0;

	/*
	 * Only the vCPU's own thread writes and consumes the pending word, in
	 * KVM_RUN: the write comes from the access it is emulating, the exit
	 * from kvm_pvpanic_check_exit() on its way back to userspace.
	 */
	lockdep_assert_held(&vcpu->mutex);

	/*
	 * The exit is taken once the access completes, as the architecture
	 * takes its other request-born exits.  Should another write come
	 * first (a string instruction, or an access split in two), its events
	 * are added, never lost.
	 */
	pending->events |= events;
	pending->addr = p->addr;
	pending->space = p->space;
	kvm_make_request(KVM_REQ_PVPANIC, vcpu);

	atomic64_inc(&vcpu->kvm->stat.generic.pvpanic_events);
	trace_kvm_pvpanic(vcpu->vcpu_id, events, p->addr, p->space);
	return 0;
}

/*
 * The bus owns the device: this runs when it is replaced or removed, and
 * when the whole bus is torn down, on VM destruction or when another
 * device's unregistration fails to shrink the bus.
 */
static void pvpanic_destructor(struct kvm_io_device *this)
{
	struct kvm_pvpanic *p = to_pvpanic(this);

	if (p->kvm->pvpanic == p)
		p->kvm->pvpanic = NULL;
	kfree(p);
}

static const struct kvm_io_device_ops pvpanic_ops = {
	.read = pvpanic_read,
	.write = pvpanic_write,
	.destructor = pvpanic_destructor,
	.exclusive = true,
};

int kvm_pvpanic_check_extension(void)
{
	return PVPANIC_EVENTS;
}

static int pvpanic_check_args(u64 space, u64 addr, u64 events)
{
	/* Removal: nothing else may be set, to leave room for flags. */
	if (!events)
		return space || addr ? -EINVAL : 0;

	if (events & ~PVPANIC_EVENTS)
		return -EINVAL;

	switch (space) {
	case KVM_PVPANIC_SPACE_PIO:
		/* Only x86 dispatches port I/O to KVM_PIO_BUS. */
		if (!IS_ENABLED(CONFIG_X86) || addr > 0xffff)
			return -EINVAL;
		return 0;
	case KVM_PVPANIC_SPACE_MMIO:
		if (addr + 1 < addr)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int pvpanic_remove(struct kvm *kvm)
{
	struct kvm_pvpanic *p = kvm->pvpanic;

	lockdep_assert_held(&kvm->slots_lock);

	if (!p)
		return 0;

	/*
	 * Waits for vCPUs on the old bus; the destructor clears kvm->pvpanic.
	 * On -ENOMEM nothing changed and the device still answers.
	 */
	return kvm_io_bus_replace_dev(kvm, pvpanic_bus(p->space), &p->dev,
				      0, 0, 0, NULL);
}

static int pvpanic_configure(struct kvm *kvm, u32 space, gpa_t addr, u8 events)
{
	struct kvm_pvpanic *old = kvm->pvpanic;
	struct kvm_pvpanic *p;
	int r;

	lockdep_assert_held(&kvm->slots_lock);

	/* Same place: vCPUs see the new mask on their next access. */
	if (old && old->space == space && old->addr == addr) {
		WRITE_ONCE(old->events, events);
		return 0;
	}

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;

	kvm_iodevice_init(&p->dev, &pvpanic_ops);
	p->kvm = kvm;
	p->addr = addr;
	p->space = space;
	p->events = events;

	/*
	 * One step, with every allocation made first: any failure (-EEXIST
	 * over another device, -ENOSPC, -ENOMEM) leaves the old configuration
	 * answering and every other device in place.  On success the old
	 * device's destructor has run, after vCPUs left it.
	 */
	r = kvm_io_bus_replace_dev(kvm, old ? pvpanic_bus(old->space) : 0,
				   old ? &old->dev : NULL, pvpanic_bus(space),
				   addr, 1, &p->dev);
	if (r) {
		kfree(p);
		return r;
	}

	kvm->pvpanic = p;
	return 0;
}

int kvm_vm_ioctl_enable_pvpanic(struct kvm *kvm, struct kvm_enable_cap *cap)
{
	u64 space = cap->args[0];
	u64 addr = cap->args[1];
	u64 events = cap->args[2];
	int r;

	if (cap->flags || cap->args[3])
		return -EINVAL;

	r = pvpanic_check_args(space, addr, events);
	if (r)
		return r;

	mutex_lock(&kvm->slots_lock);
	if (events)
		r = pvpanic_configure(kvm, space, addr, events);
	else
		r = pvpanic_remove(kvm);
	mutex_unlock(&kvm->slots_lock);

	return r;
}

/*
 * Called by the architecture for KVM_REQ_PVPANIC, with its other requests
 * that exit to userspace: if the guest wrote an event, set up
 * KVM_EXIT_PVPANIC and return true, and KVM_RUN must return 0.
 */
bool kvm_pvpanic_check_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_pvpanic_pending *pending = &vcpu->pvpanic;
	struct kvm_run *run = vcpu->run;

	if (!kvm_check_request(KVM_REQ_PVPANIC, vcpu))
		return false;

	run->exit_reason = KVM_EXIT_PVPANIC;
	run->pvpanic.events = pending->events;
	run->pvpanic.addr = pending->addr;
	run->pvpanic.space = pending->space;
	run->pvpanic.flags = 0;

	pending->events = 0;

	kvm_events_pvpanic(vcpu, run->pvpanic.events, run->pvpanic.addr,
			   run->pvpanic.space);
	return true;
}
EXPORT_SYMBOL_GPL(kvm_pvpanic_check_exit);
