// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM guest events over generic netlink
 *
 * A host-wide feed of guest events for a management daemon, whether or not
 * the VMM passes them on: one "kvm-events" family, one multicast group per
 * kind of event.  It reports the events of the in-kernel devices a VMM has
 * enabled (today: pvpanic), so a VM whose VMM did not enable the device is
 * not heard of.  See Documentation/virt/kvm/events-netlink.rst and
 * Documentation/netlink/specs/kvm_events.yaml.
 */

#include <linux/kvm_host.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <uapi/linux/kvm_events.h>

/*
 * At most events_ratelimit_burst messages per VM in a window of
 * events_ratelimit_interval_ms; the next message sent says how many were
 * suppressed.  Read once per message, so a change applies from the next one.
 */
static unsigned int events_ratelimit_burst = 10;
module_param(events_ratelimit_burst, uint, 0644);
static unsigned int events_ratelimit_interval_ms = 5000;
module_param(events_ratelimit_interval_ms, uint, 0644);

enum {
	KVM_EVENTS_NLGRP_PVPANIC,
};

/*
 * The feed describes every VM on the host, whoever runs it, so it exists in
 * the initial network namespace only (netnsok is false) and joining takes
 * CAP_NET_ADMIN there, i.e. in the initial user namespace.
 */
static const struct genl_multicast_group kvm_events_mcgrps[] = {
	[KVM_EVENTS_NLGRP_PVPANIC] = {
		.name = KVM_EVENTS_MCGRP_PVPANIC,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* Not __ro_after_init: kvm_init() registers it after kvm.ko's own init. */
static struct genl_family kvm_events_family = {
	.name = KVM_EVENTS_FAMILY_NAME,
	.version = KVM_EVENTS_FAMILY_VERSION,
	.module = THIS_MODULE,
	.netnsok = false,
	.resv_start_op = KVM_EVENTS_CMD_PVPANIC_NTF + 1,
	.mcgrps = kvm_events_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kvm_events_mcgrps),
};

/* VM ids are never reused: a pid is, and a process may run several VMs. */
static atomic64_t kvm_events_last_vm_id = ATOMIC64_INIT(0);

/* Whether the family is registered: kvm.ko works without the feed. */
static bool kvm_events_registered;

void kvm_events_init(void)
{
	int r = genl_register_family(&kvm_events_family);

	if (r) {
		pr_warn("kvm: no guest event feed (" KVM_EVENTS_FAMILY_NAME
			" family not registered: %d)\n", r);
		return;
	}
	kvm_events_registered = true;
}

void kvm_events_exit(void)
{
	if (kvm_events_registered)
		genl_unregister_family(&kvm_events_family);
	kvm_events_registered = false;
}

void kvm_events_init_vm(struct kvm *kvm)
{
	struct kvm_events_vm *ev = &kvm->events;

	ev->vm_id = atomic64_inc_return(&kvm_events_last_vm_id);
	spin_lock_init(&ev->lock);
	ev->window_start = jiffies;
}

/*
 * The VM's id in the feed, in the VM file descriptor's fdinfo: the VMM reads
 * /proc/self/fdinfo/<vm fd>, a daemon allowed to look into the VMM's fds
 * reads /proc/<pid>/fdinfo/<fd>.
 */
void kvm_events_show_fdinfo(struct seq_file *m, struct kvm *kvm)
{
	seq_printf(m, "kvm-vm-id:\t%llu\n", kvm->events.vm_id);
}

/*
 * A fixed window per VM.  The lock makes the counts exact (every message is
 * either sent or counted as suppressed); it is held for a few instructions,
 * by vCPUs of one VM that are all on their way out to userspace anyway.
 */
static bool kvm_events_allow(struct kvm_events_vm *ev, u32 *suppressed)
{
	unsigned long interval;
	bool allow;

	interval = msecs_to_jiffies(READ_ONCE(events_ratelimit_interval_ms));

	spin_lock(&ev->lock);
	if (time_after(jiffies, ev->window_start + interval)) {
		ev->window_start = jiffies;
		ev->window_count = 0;
	}
	allow = ev->window_count < READ_ONCE(events_ratelimit_burst);
	if (allow) {
		ev->window_count++;
		*suppressed = ev->suppressed;
		ev->suppressed = 0;
	} else {
		ev->suppressed++;
	}
	spin_unlock(&ev->lock);

	return allow;
}

/* A message that was allowed could not be sent: count it, and give back @n. */
static void kvm_events_unsent(struct kvm_events_vm *ev, u32 n)
{
	spin_lock(&ev->lock);
	ev->suppressed += n + 1;
	spin_unlock(&ev->lock);
}

static size_t kvm_events_pvpanic_size(void)
{
	return nla_total_size(sizeof(u64)) * 5 +	/* vm-id, events, addr, times */
	       nla_total_size(sizeof(u32)) * 4;	/* tgid, vcpu-id, space, suppressed */
}

static int kvm_events_fill_pvpanic(struct sk_buff *skb, struct kvm_vcpu *vcpu,
				   u64 events, u64 addr, u32 space,
				   u32 suppressed)
{
	struct kvm *kvm = vcpu->kvm;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &kvm_events_family, 0,
			  KVM_EVENTS_CMD_PVPANIC_NTF);
	if (!hdr)
		return -EMSGSIZE;

	/*
	 * The writer's process, as the initial pid namespace sees it (the feed
	 * lives there), at the time of the event: not whoever created the VM,
	 * which may have passed its fds on or exited since.
	 */
	if (nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_VM_ID, kvm->events.vm_id) ||
	    nla_put_u32(skb, KVM_EVENTS_A_PVPANIC_TGID, task_tgid_nr(current)) ||
	    nla_put_u32(skb, KVM_EVENTS_A_PVPANIC_VCPU_ID, vcpu->vcpu_id) ||
	    nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_EVENTS, events) ||
	    nla_put_u32(skb, KVM_EVENTS_A_PVPANIC_SPACE, space) ||
	    nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_ADDR, addr) ||
	    nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_BOOTTIME_NS,
			 ktime_get_boottime_ns()) ||
	    nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_REALTIME_NS,
			 ktime_get_real_ns()) ||
	    nla_put_u32(skb, KVM_EVENTS_A_PVPANIC_SUPPRESSED, suppressed)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}

	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Called on the vCPU's thread as it exits with KVM_EXIT_PVPANIC: process
 * context, no lock held but the vCPU's mutex, so it may allocate.
 */
void kvm_events_pvpanic(struct kvm_vcpu *vcpu, u64 events, u64 addr, u32 space)
{
	struct kvm_events_vm *ev = &vcpu->kvm->events;
	struct sk_buff *skb;
	u32 suppressed;

	/* With nobody listening, this is all it costs. */
	if (!kvm_events_registered ||
	    !genl_has_listeners(&kvm_events_family, &init_net,
				KVM_EVENTS_NLGRP_PVPANIC))
		return;

	if (!kvm_events_allow(ev, &suppressed))
		return;

	skb = genlmsg_new(kvm_events_pvpanic_size(), GFP_KERNEL);
	if (!skb)
		goto unsent;

	if (kvm_events_fill_pvpanic(skb, vcpu, events, addr, space, suppressed)) {
		nlmsg_free(skb);
		goto unsent;
	}

	/*
	 * A listener whose receive buffer is full misses the message and
	 * sees ENOBUFS on its socket; that is netlink's accounting, not the
	 * rate limit's, so the result is not counted in "suppressed".
	 */
	genlmsg_multicast(&kvm_events_family, skb, 0, KVM_EVENTS_NLGRP_PVPANIC,
			  GFP_KERNEL);
	return;

unsent:
	kvm_events_unsent(ev, suppressed);
}
