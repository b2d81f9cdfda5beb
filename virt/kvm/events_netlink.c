// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM guest events over generic netlink
 *
 * A host-wide feed of guest events for a management daemon, whatever VMM runs
 * the guest and whether or not it passes them on: one "kvm-events" family,
 * one multicast group per kind of event.  See
 * Documentation/virt/kvm/events-netlink.rst and
 * Documentation/netlink/specs/kvm_events.yaml.
 */

#include <linux/kvm_host.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <uapi/linux/kvm_events.h>

/* At most KVM_EVENTS_BURST messages per VM in a KVM_EVENTS_INTERVAL window. */
#define KVM_EVENTS_BURST	10
#define KVM_EVENTS_INTERVAL	(5 * HZ)

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

int kvm_events_init(void)
{
	return genl_register_family(&kvm_events_family);
}

void kvm_events_exit(void)
{
	genl_unregister_family(&kvm_events_family);
}

void kvm_events_init_vm(struct kvm *kvm)
{
	kvm->events.tgid = task_tgid_nr(current);
	kvm->events.window_start = jiffies;
}

/*
 * A fixed window per VM, without a lock: a guest panicking on all its vCPUs
 * at once must neither contend here nor lose messages to a trylock.  Racing
 * with a window reset may let a message or two more through.
 */
static bool kvm_events_allow(struct kvm_events_vm *ev)
{
	unsigned long start = READ_ONCE(ev->window_start);

	if (time_after(jiffies, start + KVM_EVENTS_INTERVAL) &&
	    try_cmpxchg(&ev->window_start, &start, jiffies))
		atomic_set(&ev->window_count, 0);

	return atomic_inc_return(&ev->window_count) <= KVM_EVENTS_BURST;
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

	if (nla_put_uint(skb, KVM_EVENTS_A_PVPANIC_VM_ID, kvm->stat_tail.vm_id) ||
	    nla_put_u32(skb, KVM_EVENTS_A_PVPANIC_TGID, kvm->events.tgid) ||
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

/* Called on the vCPU's thread as it exits with KVM_EXIT_PVPANIC. */
void kvm_events_pvpanic(struct kvm_vcpu *vcpu, u64 events, u64 addr, u32 space)
{
	struct kvm_events_vm *ev = &vcpu->kvm->events;
	struct sk_buff *skb;
	u32 suppressed;

	/* With nobody listening, this is all it costs. */
	if (!genl_has_listeners(&kvm_events_family, &init_net,
				KVM_EVENTS_NLGRP_PVPANIC))
		return;

	if (!kvm_events_allow(ev))
		goto drop;

	skb = genlmsg_new(kvm_events_pvpanic_size(), GFP_KERNEL);
	if (!skb)
		goto drop;

	suppressed = atomic_xchg(&ev->suppressed, 0);
	if (kvm_events_fill_pvpanic(skb, vcpu, events, addr, space, suppressed)) {
		atomic_add(suppressed, &ev->suppressed);
		nlmsg_free(skb);
		goto drop;
	}

	genlmsg_multicast(&kvm_events_family, skb, 0, KVM_EVENTS_NLGRP_PVPANIC,
			  GFP_KERNEL);
	return;

drop:
	atomic_inc(&ev->suppressed);
}
