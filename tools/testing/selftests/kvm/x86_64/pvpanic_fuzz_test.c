// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvpanic_fuzz_test: a seeded fuzzer for the pvpanic uAPI.
 *
 * Random KVM_ENABLE_CAP(KVM_CAP_PVPANIC) arguments, KVM_IOEVENTFD and
 * KVM_(UN)REGISTER_COALESCED_MMIO around the device, and
 * KVM_CHECK_EXTENSION, each result compared with a model of what the uAPI
 * says it must be; after every call a guest probe checks that the device
 * answers exactly where the model says (and no longer where it was).
 *
 * -s SEED (default fixed, printed) and -n CALLS (default 100000).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "pvpanic.h"

#define PIO		KVM_PVPANIC_SPACE_PIO
#define MMIO		KVM_PVPANIC_SPACE_MMIO
#define MMIO_GPA	0xc0000000ull
#define MAX_OBJS	64

/* Addresses the fuzzer aims at, so that calls collide often. */
static const uint64_t pio_bases[] = { 0x505, 0x20, 0x4d0, 0x600 };
static const uint64_t mmio_bases[] = { MMIO_GPA + 0x10, MMIO_GPA + 0x800, 0xfec00000 };

/* In-kernel devices of the selftests' VM: PIC, ELCR, IOAPIC. */
static const struct { bool pio; uint64_t addr, len; } fixed[] = {
	{ true, 0x20, 2 }, { true, 0xa0, 2 }, { true, 0x4d0, 2 }, { false, 0xfec00000, 0x100 },
};

struct ioev {
	bool pio, dm;
	uint64_t addr, datamatch;
	uint32_t len;
};

struct zone {
	bool pio;
	uint64_t addr, size;
};

static struct model {
	bool on;
	uint64_t space, addr, mask;
	struct ioev ioev[MAX_OBJS];
	int nr_ioev;
	struct zone zone[MAX_OBJS];
	int nr_zone;
} m;

static uint64_t s;
static struct kvm_vcpu *vcpu;
static struct kvm_vm *vm;
static int efd;
static uint64_t calls, by_errno[4];	/* 0, EINVAL, EEXIST, other */

static uint64_t rnd(void)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* Guest: probe one address per KVM_RUN, chosen by the host. */
static struct { uint64_t space, addr; } probe;

static void guest_code(void)
{
	for (;;) {
		uint8_t v;

		if (READ_ONCE(probe.space) == PIO)
			asm volatile("inb %w1, %b0" : "=a"(v) : "d"((uint16_t)probe.addr));
		else
			v = READ_ONCE(*(uint8_t *)probe.addr);
		GUEST_SYNC(v);
	}
}

/* A 1-byte read at @addr: in the kernel (returns the mask), or by userspace. */
static int probe_at(uint64_t space, uint64_t addr)
{
	struct kvm_run *run = vcpu->run;
	bool user = false;
	struct ucall uc;

	probe.space = space;
	probe.addr = addr;
	sync_global_to_guest(vm, probe);
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_MMIO) {
			TEST_ASSERT(space == MMIO && run->mmio.phys_addr == addr,
				    "stray MMIO exit");
			run->mmio.data[0] = 0xa5;
			user = true;
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_NONE:
			TEST_ASSERT(space == PIO && run->io.port == addr, "stray PIO exit");
			*((uint8_t *)run + run->io.data_offset) = 0xa5;
			user = true;
			continue;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		}
		TEST_ASSERT_EQ(uc.cmd, UCALL_SYNC);
		return user ? -1 : (int)uc.args[1];
	}
}

static void check_device(uint64_t old_space, uint64_t old_addr, bool was_on)
{
	if (m.on)
		TEST_ASSERT(probe_at(m.space, m.addr) == (int)m.mask,
			    "call %lu: device not answering at %lu 0x%lx with mask 0x%lx",
			    calls, m.space, m.addr, m.mask);
	if (was_on && (!m.on || old_space != m.space || old_addr != m.addr))
		TEST_ASSERT(probe_at(old_space, old_addr) == -1,
			    "call %lu: device still answering at its old address %lu 0x%lx",
			    calls, old_space, old_addr);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* A length of 0 (an ioeventfd of any width) covers its first byte. */
	uint64_t a_last = a + (alen ? alen : 1) - 1, b_last = b + (blen ? blen : 1) - 1;

	return a <= b_last && b <= a_last;
}

static bool device_overlaps(bool pio, uint64_t addr, uint64_t len)
{
	return m.on && (m.space == PIO) == pio && ranges_overlap(m.addr, 1, addr, len);
}

/* Is anything of ours or the VM's on the bus over [addr, addr + len)? */
static bool bus_taken(bool pio, uint64_t addr, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (fixed[i].pio == pio && ranges_overlap(fixed[i].addr, fixed[i].len, addr, len))
			return true;
	for (i = 0; i < m.nr_ioev; i++) {
		struct ioev *e = &m.ioev[i];

		if (e->pio == pio && ranges_overlap(e->addr, e->len, addr, len))
			return true;
	}
	for (i = 0; i < m.nr_zone; i++) {
		struct zone *z = &m.zone[i];

		if (z->pio == pio && ranges_overlap(z->addr, z->size, addr, len))
			return true;
	}
	return false;
}

static uint64_t near_addr(bool pio)
{
	uint64_t base = pio ? pio_bases[rnd() % ARRAY_SIZE(pio_bases)] :
			      mmio_bases[rnd() % ARRAY_SIZE(mmio_bases)];

	return base + rnd() % 9 - 4;
}

static uint64_t pick(const uint64_t *v, int n)
{
	return v[rnd() % n];
}

static void expect(int r, int want, const char *what)
{
	int got = r ? errno : 0;

	TEST_ASSERT(got == want, "call %lu (%s): errno %d, the model says %d",
		    calls, what, got, want);
	by_errno[!want ? 0 : want == EINVAL ? 1 : want == EEXIST ? 2 : 3]++;
}

static void fuzz_enable(void)
{
	uint64_t spaces[] = { 0, PIO, MMIO, PIO, MMIO, 3, rnd() };
	uint64_t space = pick(spaces, ARRAY_SIZE(spaces));
	uint64_t addrs[] = { near_addr(true), near_addr(false), 0, 0xffff, 0x10000, ~0ull,
			     ~0ull - 1, rnd() };
	uint64_t addr = pick(addrs, ARRAY_SIZE(addrs));
	uint64_t masks[] = { 0, 1 + rnd() % 7, 1 + rnd() % 7, 8, rnd() };
	uint64_t mask = pick(masks, ARRAY_SIZE(masks));
	uint32_t flags = rnd() % 16 ? 0 : (uint32_t)rnd() | 1;
	uint64_t a3 = rnd() % 16 ? 0 : rnd() | 1;
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_PVPANIC, .flags = flags, .args = { space, addr, mask, a3 },
	};
	uint64_t old_space = m.space, old_addr = m.addr;
	bool was_on = m.on;
	int want = 0;

	if (!mask && rnd() % 2) {	/* make removals common enough */
		space = 0;
		addr = 0;
		cap.args[0] = 0;
		cap.args[1] = 0;
	}

	if (flags || a3)
		want = EINVAL;
	else if (!mask)
		want = space || addr ? EINVAL : 0;
	else if (mask & ~(uint64_t)PVPANIC_EVENTS)
		want = EINVAL;
	else if (space == PIO)
		want = addr > 0xffff ? EINVAL : 0;
	else if (space == MMIO)
		want = addr == ~0ull ? EINVAL : 0;
	else
		want = EINVAL;

	if (!want && mask && !(m.on && m.space == space && m.addr == addr) &&
	    bus_taken(space == PIO, addr, 1))
		want = EEXIST;

	expect(__vm_ioctl(vm, KVM_ENABLE_CAP, &cap), want, "KVM_ENABLE_CAP");
	if (!want) {
		m.on = mask != 0;
		m.space = space;
		m.addr = addr;
		m.mask = mask;
	}
	/* MMIO probes need a mapping: only check addresses the guest maps. */
	if (m.on && m.space == MMIO && (m.addr < MMIO_GPA || m.addr >= MMIO_GPA + 0x1000)) {
		cap.flags = 0;
		memset(cap.args, 0, sizeof(cap.args));
		TEST_ASSERT_EQ(__vm_ioctl(vm, KVM_ENABLE_CAP, &cap), 0);
		m.on = false;
	}
	if (was_on && old_space == MMIO && (old_addr < MMIO_GPA || old_addr >= MMIO_GPA + 0x1000))
		was_on = false;
	check_device(old_space, old_addr, was_on);
}

static int ioeventfd(struct ioev *e, bool assign)
{
	struct kvm_ioeventfd a = {
		.datamatch = e->datamatch,
		.addr = e->addr,
		.len = e->len,
		.fd = efd,
		.flags = (e->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (e->dm ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return __vm_ioctl(vm, KVM_IOEVENTFD, &a);
}

static void fuzz_ioeventfd(void)
{
	static const uint32_t lens[] = { 0, 1, 2, 4, 8, 3 };
	struct ioev e;
	int want = 0, i;

	if (m.nr_ioev && rnd() % 2) {
		i = rnd() % m.nr_ioev;
		expect(ioeventfd(&m.ioev[i], false), 0, "KVM_IOEVENTFD deassign");
		m.ioev[i] = m.ioev[--m.nr_ioev];
		check_device(m.space, m.addr, false);
		return;
	}
	if (m.nr_ioev == MAX_OBJS)
		return;

	e.pio = rnd() % 2;
	e.addr = near_addr(e.pio);
	e.len = lens[rnd() % ARRAY_SIZE(lens)];
	e.dm = rnd() % 2;
	e.datamatch = rnd() % 4;

	if (e.len == 3 || (e.dm && !e.len))
		want = EINVAL;
	for (i = 0; !want && i < m.nr_ioev; i++) {
		struct ioev *o = &m.ioev[i];

		if (o->pio == e.pio && o->addr == e.addr &&
		    (!o->len || !e.len ||
		     (o->len == e.len && (!o->dm || !e.dm || o->datamatch == e.datamatch))))
			want = EEXIST;
	}
	if (!want && device_overlaps(e.pio, e.addr, e.len))
		want = EEXIST;

	expect(ioeventfd(&e, true), want, "KVM_IOEVENTFD");
	if (!want)
		m.ioev[m.nr_ioev++] = e;
	check_device(m.space, m.addr, false);
}

static int coalesced(struct zone *z, bool assign)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = z->addr, .size = z->size, .pio = z->pio };

	return __vm_ioctl(vm, assign ? KVM_REGISTER_COALESCED_MMIO :
			  KVM_UNREGISTER_COALESCED_MMIO, &zone);
}

static void fuzz_coalesced(void)
{
	struct zone z;
	int want = 0, i;

	z.pio = rnd() % 2;
	z.addr = near_addr(z.pio);
	z.size = 1 + rnd() % 8;

	if (rnd() % 2) {
		/* Unregister removes every zone that contains the range. */
		expect(coalesced(&z, false), 0, "KVM_UNREGISTER_COALESCED_MMIO");
		for (i = 0; i < m.nr_zone; i++) {
			struct zone *o = &m.zone[i];

			if (o->pio == z.pio && z.addr >= o->addr &&
			    z.addr + z.size <= o->addr + o->size)
				m.zone[i--] = m.zone[--m.nr_zone];
		}
	} else if (m.nr_zone < MAX_OBJS) {
		if (device_overlaps(z.pio, z.addr, z.size))
			want = EEXIST;
		expect(coalesced(&z, true), want, "KVM_REGISTER_COALESCED_MMIO");
		if (!want)
			m.zone[m.nr_zone++] = z;
	}
	check_device(m.space, m.addr, false);
}

static void fuzz_check_extension(void)
{
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_PVPANIC), PVPANIC_EVENTS);
	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_PVPANIC), PVPANIC_EVENTS);
	by_errno[0]++;
}

int main(int argc, char **argv)
{
	uint64_t seed = 0xf0220, n = 100000;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'n')
			n = strtoull(optarg, NULL, 0);
		else
			TEST_FAIL("usage: %s [-s SEED] [-n CALLS]", argv[0]);
	}
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_PVPANIC));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_MMIO) && kvm_has_cap(KVM_CAP_COALESCED_PIO));
	ksft_print_header();
	ksft_set_plan(1);
	ksft_print_msg("seed 0x%lx, %lu calls\n", seed, n);
	s = seed ? seed : 1;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	virt_map(vm, MMIO_GPA, MMIO_GPA, 1);
	efd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(efd >= 0, "eventfd");

	for (calls = 0; calls < n; calls++) {
		switch (rnd() % 8) {
		case 0 ... 3:
			fuzz_enable();
			break;
		case 4 ... 5:
			fuzz_ioeventfd();
			break;
		case 6:
			fuzz_coalesced();
			break;
		default:
			fuzz_check_extension();
		}
	}
	kvm_vm_free(vm);
	close(efd);

	ksft_print_msg("%lu calls: %lu succeeded, %lu EINVAL, %lu EEXIST, all as the model said\n",
		       n, by_errno[0], by_errno[1], by_errno[2]);
	ksft_test_result_pass("every result and every device position matched the model\n");
	ksft_finished();
}
