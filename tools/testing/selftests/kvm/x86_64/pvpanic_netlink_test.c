// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for the KVM guest event feed: the "kvm-events" generic netlink
 * family and its "pvpanic" multicast group, listened to with libnl.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/kvm_events.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kvm_test_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define PORT		0x505
#define MMIO_GPA	0xc0000000ull
#define PIO		KVM_PVPANIC_SPACE_PIO
#define MMIO		KVM_PVPANIC_SPACE_MMIO
#define BURST		10	/* the default of kvm.events_ratelimit_burst */

struct pvpanic_msg {
	uint32_t present;	/* bitmap of the attributes seen */
	uint64_t vm_id, events, addr, boottime_ns, realtime_ns;
	uint32_t tgid, vcpu_id, space, suppressed;
};

/*
 * Messages of the VMs in @vm_ids only: the feed is host-wide, and another VM
 * on the host must not change what a test sees.
 */
struct listener {
	struct nl_sock *sk;
	uint64_t vm_ids[2];
	int n;
	struct pvpanic_msg msgs[64];
};

#define ALL_ATTRS	(((1u << (KVM_EVENTS_A_PVPANIC_MAX + 1)) - 1) & ~1u)

/* Guest: write @val to the device @n times, then finish. */
static void guest_code(uint64_t space, uint64_t addr, uint64_t n, uint64_t val)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (space == PIO)
			asm volatile("outb %b0, %w1" : : "a"(val), "d"((uint16_t)addr));
		else
			WRITE_ONCE(*(uint8_t *)addr, val);
	}
	GUEST_DONE();
}

static uint64_t get_uint(struct nlattr *a)
{
	return nla_len(a) == sizeof(uint32_t) ? nla_get_u32(a) : nla_get_u64(a);
}

static bool is_ours(struct listener *l, uint64_t vm_id)
{
	return vm_id && (vm_id == l->vm_ids[0] || vm_id == l->vm_ids[1]);
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVM_EVENTS_A_PVPANIC_MAX + 1];
	struct listener *l = arg;
	struct pvpanic_msg *m;
	int i;

	TEST_ASSERT_EQ(((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd,
		       KVM_EVENTS_CMD_PVPANIC_NTF);
	TEST_ASSERT_EQ(genlmsg_parse(nlmsg_hdr(msg), 0, tb, KVM_EVENTS_A_PVPANIC_MAX, NULL), 0);
	TEST_ASSERT(tb[KVM_EVENTS_A_PVPANIC_VM_ID], "message without a VM id");
	if (!is_ours(l, get_uint(tb[KVM_EVENTS_A_PVPANIC_VM_ID])))
		return NL_OK;
	TEST_ASSERT(l->n < ARRAY_SIZE(l->msgs), "too many messages");
	m = &l->msgs[l->n++];
	memset(m, 0, sizeof(*m));

	for (i = 1; i <= KVM_EVENTS_A_PVPANIC_MAX; i++)
		if (tb[i])
			m->present |= 1u << i;
	if (tb[KVM_EVENTS_A_PVPANIC_VM_ID])
		m->vm_id = get_uint(tb[KVM_EVENTS_A_PVPANIC_VM_ID]);
	if (tb[KVM_EVENTS_A_PVPANIC_TGID])
		m->tgid = nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_TGID]);
	if (tb[KVM_EVENTS_A_PVPANIC_VCPU_ID])
		m->vcpu_id = nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_VCPU_ID]);
	if (tb[KVM_EVENTS_A_PVPANIC_EVENTS])
		m->events = get_uint(tb[KVM_EVENTS_A_PVPANIC_EVENTS]);
	if (tb[KVM_EVENTS_A_PVPANIC_SPACE])
		m->space = nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_SPACE]);
	if (tb[KVM_EVENTS_A_PVPANIC_ADDR])
		m->addr = get_uint(tb[KVM_EVENTS_A_PVPANIC_ADDR]);
	if (tb[KVM_EVENTS_A_PVPANIC_BOOTTIME_NS])
		m->boottime_ns = get_uint(tb[KVM_EVENTS_A_PVPANIC_BOOTTIME_NS]);
	if (tb[KVM_EVENTS_A_PVPANIC_REALTIME_NS])
		m->realtime_ns = get_uint(tb[KVM_EVENTS_A_PVPANIC_REALTIME_NS]);
	if (tb[KVM_EVENTS_A_PVPANIC_SUPPRESSED])
		m->suppressed = nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_SUPPRESSED]);
	return NL_OK;
}

static int resolve_group(struct nl_sock *sk)
{
	int grp = genl_ctrl_resolve_grp(sk, KVM_EVENTS_FAMILY_NAME, KVM_EVENTS_MCGRP_PVPANIC);

	__TEST_REQUIRE(grp >= 0, "no generic netlink family \"" KVM_EVENTS_FAMILY_NAME
		       "\" (kvm.ko without the event feed?)");
	return grp;
}

static void listen_pvpanic(struct listener *l)
{
	memset(l->vm_ids, 0, sizeof(l->vm_ids));
	l->n = 0;
	l->sk = nl_socket_alloc();
	TEST_ASSERT(l->sk, "nl_socket_alloc");
	TEST_ASSERT_EQ(genl_connect(l->sk), 0);
	TEST_ASSERT_EQ(nl_socket_add_membership(l->sk, resolve_group(l->sk)), 0);
	nl_socket_disable_seq_check(l->sk);
	nl_socket_modify_cb(l->sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, l);
}

/* Receive until @want messages arrived or @ms passed; return how many did. */
static int collect(struct listener *l, int want, int ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(l->sk), .events = POLLIN };

	while (l->n < want && poll(&pfd, 1, ms) > 0)
		TEST_ASSERT(nl_recvmsgs_default(l->sk) >= 0, "nl_recvmsgs");
	return l->n;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A VM whose messages @l takes (in its first free slot, if @l). */
static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu, uint32_t vcpu_id,
				struct listener *l)
{
	struct kvm_vm *vm = vm_create(vcpu_id + 1);

	*vcpu = vm_vcpu_add(vm, vcpu_id, guest_code);
	virt_map(vm, MMIO_GPA, MMIO_GPA, 1);
	if (l)
		l->vm_ids[!!l->vm_ids[0]] = vm_feed_id(vm);
	return vm;
}

/* Whether we run in the initial pid namespace, whose inode is fixed. */
static bool in_init_pid_ns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == 0xeffffffc;
}

/* Run the guest's writes to the end; return the KVM_EXIT_PVPANICs seen. */
static int run_guest(struct kvm_vcpu *vcpu, uint64_t space, uint64_t addr,
		     uint64_t n, uint64_t val)
{
	struct ucall uc;
	int exits = 0;

	vcpu_args_set(vcpu, 4, space, addr, n, val);
	vcpu_arch_set_entry_point(vcpu, guest_code);
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_PVPANIC) {
			exits++;
			continue;
		}
		/* Without the device, the writes are ordinary exits. */
		if (vcpu->run->exit_reason == KVM_EXIT_IO && vcpu->run->io.port == addr)
			continue;
		if (vcpu->run->exit_reason == KVM_EXIT_MMIO)
			continue;
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		if (get_ucall(vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT_EQ(uc.cmd, UCALL_DONE);
		return exits;
	}
}

static void check_message(uint64_t space, uint64_t addr, uint32_t vcpu_id)
{
	uint64_t boot0, real0, boot1, real1;
	struct kvm_vcpu *vcpu;
	struct pvpanic_msg *m;
	struct listener l;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	listen_pvpanic(&l);
	vm = create_vm(&vcpu, vcpu_id, &l);
	vm_pvpanic_enable(vm, space, addr, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);

	boot0 = clock_ns(CLOCK_BOOTTIME);
	real0 = clock_ns(CLOCK_REALTIME);
	TEST_ASSERT_EQ(run_guest(vcpu, space, addr, 1, 0xff), 1);
	boot1 = clock_ns(CLOCK_BOOTTIME);
	real1 = clock_ns(CLOCK_REALTIME);

	TEST_ASSERT_EQ(collect(&l, 1, 2000), 1);
	m = &l.msgs[0];
	TEST_ASSERT_EQ(m->present, ALL_ATTRS);
	TEST_ASSERT(m->vm_id, "VM id 0");
	if (in_init_pid_ns())
		TEST_ASSERT_EQ(m->tgid, getpid());
	TEST_ASSERT_EQ(m->vcpu_id, vcpu_id);
	TEST_ASSERT_EQ(m->events, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	TEST_ASSERT_EQ(m->space, space);
	TEST_ASSERT_EQ(m->addr, addr);
	TEST_ASSERT(boot0 <= m->boottime_ns && m->boottime_ns <= boot1,
		    "boottime %lu not in [%lu, %lu]", m->boottime_ns, boot0, boot1);
	TEST_ASSERT(real0 <= m->realtime_ns && m->realtime_ns <= real1,
		    "realtime %lu not in [%lu, %lu]", m->realtime_ns, real0, real1);
	TEST_ASSERT_EQ(m->suppressed, 0);

	/* Exactly one message per exit. */
	TEST_ASSERT_EQ(collect(&l, 2, 300), 1);
	kvm_vm_free(vm);
	nl_socket_free(l.sk);
}

TEST(message_pio)
{
	check_message(PIO, PORT, 0);
}

TEST(message_mmio_vcpu1)
{
	check_message(MMIO, MMIO_GPA + 1, 1);
}

TEST(vm_ids_unique)
{
	struct kvm_vcpu *vcpu_a, *vcpu_b;
	struct kvm_vm *a, *b;
	uint64_t id_a, id_b;
	struct listener l;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	listen_pvpanic(&l);
	a = create_vm(&vcpu_a, 0, &l);
	b = create_vm(&vcpu_b, 0, &l);
	id_a = vm_feed_id(a);
	id_b = vm_feed_id(b);
	TEST_ASSERT(id_a && id_b > id_a, "VM ids %lu then %lu", id_a, id_b);

	vm_pvpanic_enable(a, PIO, PORT, PVPANIC_PANICKED);
	vm_pvpanic_enable(b, PIO, PORT, PVPANIC_PANICKED);
	run_guest(vcpu_b, PIO, PORT, 1, PVPANIC_PANICKED);
	run_guest(vcpu_a, PIO, PORT, 1, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(collect(&l, 2, 2000), 2);
	TEST_ASSERT_EQ(l.msgs[0].vm_id, id_b);
	TEST_ASSERT_EQ(l.msgs[1].vm_id, id_a);

	/* Ids are not reused. */
	kvm_vm_free(b);
	b = create_vm(&vcpu_b, 0, NULL);
	TEST_ASSERT(vm_feed_id(b) > id_b, "VM id reused");
	kvm_vm_free(b);
	kvm_vm_free(a);
	nl_socket_free(l.sk);
}

/* The id is not a stat: nothing sums the ids of all VMs in debugfs. */
TEST(vm_id_not_a_stat)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	__TEST_REQUIRE(!access("/sys/kernel/debug/kvm/pvpanic_events", F_OK),
		       "no /sys/kernel/debug/kvm/pvpanic_events (debugfs not mounted?)");
	vm = create_vm(&vcpu, 0, NULL);
	TEST_ASSERT(vm_feed_id(vm), "no kvm-vm-id in the VM fd's fdinfo");
	TEST_ASSERT(access("/sys/kernel/debug/kvm/vm_id", F_OK) && errno == ENOENT,
		    "/sys/kernel/debug/kvm/vm_id exists");
	kvm_vm_free(vm);
}

struct clone_run {
	struct kvm_vcpu *vcpu;
	int exits;
};

static int clone_run_guest(void *arg)
{
	struct clone_run *c = arg;

	c->exits = run_guest(c->vcpu, PIO, PORT, 1, PVPANIC_PANICKED);
	return 0;
}

/*
 * The tgid is the writer's when it writes: here another process sharing the
 * VM's mm (KVM_RUN needs the creator's mm) runs the vCPU after the creator.
 */
TEST(tgid_of_writer)
{
	static uint8_t stack[256 * 1024] __aligned(16);
	struct clone_run c = { 0 };
	struct kvm_vcpu *vcpu;
	struct listener l;
	struct kvm_vm *vm;
	int status;
	pid_t pid;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	listen_pvpanic(&l);
	vm = create_vm(&vcpu, 0, &l);
	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_PANICKED);

	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 1);
	c.vcpu = vcpu;
	pid = clone(clone_run_guest, stack + sizeof(stack), CLONE_VM | SIGCHLD, &c);
	TEST_ASSERT(pid > 0, "clone: errno %d", errno);
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status), "child status 0x%x", status);
	TEST_ASSERT_EQ(c.exits, 1);

	TEST_ASSERT_EQ(collect(&l, 2, 2000), 2);
	TEST_ASSERT(l.msgs[0].tgid && l.msgs[1].tgid != l.msgs[0].tgid,
		    "tgids %u then %u", l.msgs[0].tgid, l.msgs[1].tgid);
	if (in_init_pid_ns()) {
		TEST_ASSERT_EQ(l.msgs[0].tgid, getpid());
		TEST_ASSERT_EQ(l.msgs[1].tgid, pid);
	}
	kvm_vm_free(vm);
	nl_socket_free(l.sk);
}

#define PARAM_DIR	"/sys/module/kvm/parameters/"

static int saved_burst = -1, saved_interval = -1;

static int read_param(const char *name)
{
	char path[128];
	FILE *f;
	int v;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void write_param(const char *name, int v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	TEST_ASSERT(f, "open %s: errno %d", path, errno);
	TEST_ASSERT(fprintf(f, "%d\n", v) > 0 && !fclose(f), "write %s", path);
}

/* A failing assertion exits: put the host's settings back even then. */
static void restore_params(void)
{
	if (saved_burst >= 0)
		write_param("events_ratelimit_burst", saved_burst);
	if (saved_interval >= 0)
		write_param("events_ratelimit_interval_ms", saved_interval);
}

/*
 * The window is set, not waited for: one hour, which no run of this test
 * outlasts, then zero, which any later jiffy is past.  Every message is
 * either sent or counted, exactly.
 */
TEST(rate_limit)
{
	const int writes = BURST + 15;
	struct kvm_vcpu *vcpu;
	struct listener l;
	struct kvm_vm *vm;
	int i;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	saved_burst = read_param("events_ratelimit_burst");
	saved_interval = read_param("events_ratelimit_interval_ms");
	__TEST_REQUIRE(saved_burst >= 0 && saved_interval >= 0,
		       "no kvm.events_ratelimit_* parameters (kvm.ko without the event feed?)");
	atexit(restore_params);
	write_param("events_ratelimit_burst", BURST);
	write_param("events_ratelimit_interval_ms", 3600 * 1000);

	listen_pvpanic(&l);
	vm = create_vm(&vcpu, 0, &l);
	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_PANICKED);

	/* Every write still exits; only the messages are limited. */
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, writes, PVPANIC_PANICKED), writes);
	TEST_ASSERT_EQ(vm_get_stat(vm, "pvpanic_events"), writes);
	TEST_ASSERT_EQ(collect(&l, BURST + 1, 1000), BURST);
	for (i = 0; i < BURST; i++)
		TEST_ASSERT_EQ(l.msgs[i].suppressed, 0);

	/* The first message of the next window carries the count, once. */
	write_param("events_ratelimit_interval_ms", 0);
	usleep(50 * 1000);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 1);
	TEST_ASSERT_EQ(collect(&l, BURST + 1, 2000), BURST + 1);
	TEST_ASSERT_EQ(l.msgs[BURST].suppressed, writes - BURST);
	usleep(50 * 1000);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 1);
	TEST_ASSERT_EQ(collect(&l, BURST + 2, 2000), BURST + 2);
	TEST_ASSERT_EQ(l.msgs[BURST + 1].suppressed, 0);

	/* A burst of 0 sends nothing, and counts it all. */
	write_param("events_ratelimit_burst", 0);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 3, PVPANIC_PANICKED), 3);
	write_param("events_ratelimit_burst", BURST);
	usleep(50 * 1000);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 1);
	TEST_ASSERT_EQ(collect(&l, BURST + 3, 2000), BURST + 3);
	TEST_ASSERT_EQ(l.msgs[BURST + 2].suppressed, 3);

	kvm_vm_free(vm);
	nl_socket_free(l.sk);
}

TEST(nothing_without_device)
{
	struct kvm_vcpu *vcpu;
	struct listener l;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	listen_pvpanic(&l);
	vm = create_vm(&vcpu, 0, &l);

	/* No device: the write is an ordinary KVM_EXIT_IO. */
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 0);

	/* A device, but only ignored bits written. */
	vm_pvpanic_enable(vm, PIO, PORT, PVPANIC_PANICKED);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_CRASH_LOADED), 0);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, 0), 0);

	/* Removed again. */
	vm_pvpanic_enable(vm, 0, 0, 0);
	TEST_ASSERT_EQ(run_guest(vcpu, PIO, PORT, 1, PVPANIC_PANICKED), 0);

	TEST_ASSERT_EQ(collect(&l, 1, 500), 0);
	kvm_vm_free(vm);
	nl_socket_free(l.sk);
}

static void drop_cap_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	TEST_ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	TEST_ASSERT_EQ(syscall(SYS_capset, &hdr, data), 0);
}

TEST(eperm_without_cap_net_admin)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, fd;

	TEST_ASSERT(sk, "nl_socket_alloc");
	TEST_ASSERT_EQ(genl_connect(sk), 0);
	grp = resolve_group(sk);
	fd = nl_socket_get_fd(sk);

	drop_cap_net_admin();
	TEST_ASSERT(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) == -1 &&
		    errno == EPERM, "joining without CAP_NET_ADMIN: errno %d, want EPERM", errno);
	nl_socket_free(sk);
}

/* The feed is for the host: another network namespace does not see it. */
TEST(init_netns_only)
{
	struct nl_sock *sk = nl_socket_alloc();

	TEST_ASSERT(sk, "nl_socket_alloc");
	TEST_ASSERT_EQ(genl_connect(sk), 0);
	resolve_group(sk);
	nl_socket_free(sk);

	if (unshare(CLONE_NEWNET)) {
		__TEST_REQUIRE(errno != EINVAL, "no network namespaces (CONFIG_NET_NS=n)");
		TEST_FAIL("unshare(CLONE_NEWNET): errno %d", errno);
	}
	sk = nl_socket_alloc();
	TEST_ASSERT_EQ(genl_connect(sk), 0);
	TEST_ASSERT(genl_ctrl_resolve(sk, KVM_EVENTS_FAMILY_NAME) < 0,
		    "family visible in a new network namespace");
	nl_socket_free(sk);
}

TEST_HARNESS_MAIN
