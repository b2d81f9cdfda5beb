// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for how Book3S HV decides that a guest access is emulated
 * MMIO: the per-page memslot decision made at H_ENTER and again at fault
 * time, the absent + key 31 tag H_ENTER leaves on such an HPTE, the
 * real-mode MMIO translation cache and its mmio_update generation, and
 * the check of the fetched instruction against the fault.
 *
 * Included at the end of book3s_hv_rm_mmu.c, whose cache helpers are
 * static; that file is built into the kernel, so the suite runs at boot
 * on any Book3S-64 machine, with or without hypervisor mode.
 */

#include <kunit/test.h>

/* Instruction encodings, as the guest would write them. */
#define D_FORM(op, rt, ra, d)	(((op) << 26) | ((rt) << 21) | ((ra) << 16) | \
				 ((d) & 0xffff))
#define X_FORM(xo, rt, ra, rb)	((31 << 26) | ((rt) << 21) | ((ra) << 16) | \
				 ((rb) << 11) | ((xo) << 1))
#define PREFIX_8LS		0x04000000	/* pld, pstd */
#define PREFIX_MLS		0x06000000	/* plbz, pstb, plwz, pstw */

struct inst_case {
	const char *name;
	u32 prefix;	/* 0: not prefixed */
	u32 word;	/* the instruction, or the suffix */
	bool is_store;
};

static const struct inst_case inst_cases[] = {
	{ "lbz",	0, D_FORM(34, 5, 4, 0),		false },
	{ "stb",	0, D_FORM(38, 6, 4, 0),		true },
	{ "lhz",	0, D_FORM(40, 5, 4, 2),		false },
	{ "sth",	0, D_FORM(44, 6, 4, 2),		true },
	{ "lwz",	0, D_FORM(32, 5, 4, 4),		false },
	{ "stw",	0, D_FORM(36, 6, 4, 4),		true },
	{ "ld",		0, D_FORM(58, 5, 4, 8),		false },
	{ "std",	0, D_FORM(62, 6, 4, 8),		true },
	{ "lfd",	0, D_FORM(50, 1, 4, 0),		false },
	{ "stfd",	0, D_FORM(54, 1, 4, 0),		true },
	{ "lbzx",	0, X_FORM(87, 5, 4, 3),		false },
	{ "stbx",	0, X_FORM(215, 6, 4, 3),	true },
	{ "ldx",	0, X_FORM(21, 5, 4, 3),		false },
	{ "stdx",	0, X_FORM(149, 6, 4, 3),	true },
	{ "lwbrx",	0, X_FORM(534, 5, 4, 3),	false },
	{ "stwbrx",	0, X_FORM(662, 6, 4, 3),	true },
	{ "plbz",	PREFIX_MLS, D_FORM(34, 5, 4, 0), false },
	{ "pstb",	PREFIX_MLS, D_FORM(38, 6, 4, 0), true },
	{ "pld",	PREFIX_8LS, D_FORM(57, 5, 4, 0), false },
	{ "pstd",	PREFIX_8LS, D_FORM(61, 6, 4, 0), true },
};

static ppc_inst_t inst_of(const struct inst_case *c)
{
	return c->prefix ? ppc_inst_prefix(c->prefix, c->word) : ppc_inst(c->word);
}

static void inst_case_desc(const struct inst_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(inst, inst_cases, inst_case_desc);

static void inst_is_store_test(struct kunit *test)
{
	const struct inst_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, !!kvmppc_inst_is_store(inst_of(c)), c->is_store);
}

/*
 * Only the instruction that faulted, in the direction and length it
 * faulted, may be emulated; anything else the guest put there since is
 * retried.
 */
static void inst_matches_fault_test(struct kunit *test)
{
	const struct inst_case *c = test->param_value;
	bool prefixed = c->prefix != 0;
	ppc_inst_t inst = inst_of(c);

	KUNIT_EXPECT_TRUE(test, kvmppc_mmio_inst_matches_fault(inst, prefixed,
							       c->is_store));
	/* Direction mismatch: permissions were checked for the other one. */
	KUNIT_EXPECT_FALSE(test, kvmppc_mmio_inst_matches_fault(inst, prefixed,
								!c->is_store));
	/* Prefix mismatch: the PC would advance by the wrong amount. */
	KUNIT_EXPECT_FALSE(test, kvmppc_mmio_inst_matches_fault(inst, !prefixed,
								c->is_store));
}

static void is_mmio_hpte_test(struct kunit *test)
{
	const unsigned long key31 = HPTE_R_KEY_HI | HPTE_R_KEY_LO;
	const unsigned long v = 0x1234ull << HPTE_V_AVPN_SHIFT;
	const unsigned long r = 0x20000000ul | HPTE_R_I | HPTE_R_G | 2;

	/* What H_ENTER makes of a page without a memslot. */
	KUNIT_EXPECT_TRUE(test, is_mmio_hpte(v | HPTE_V_ABSENT, r | key31));
	/* Paged-out RAM: absent, with its key cleared. */
	KUNIT_EXPECT_FALSE(test, is_mmio_hpte(v | HPTE_V_ABSENT, r));
	/* The guest's own key 31 on a valid entry is the guest's business. */
	KUNIT_EXPECT_FALSE(test, is_mmio_hpte(v | HPTE_V_VALID, r | key31));
	/* Any other key on an absent entry is not the tag. */
	KUNIT_EXPECT_FALSE(test, is_mmio_hpte(v | HPTE_V_ABSENT,
					      r | HPTE_R_KEY_HI));
	KUNIT_EXPECT_FALSE(test, is_mmio_hpte(v | HPTE_V_ABSENT,
					      r | HPTE_R_KEY_LO));
	/* No entry at all. */
	KUNIT_EXPECT_FALSE(test, is_mmio_hpte(v, r | key31));
}

/*
 * The same guest page, looked up at H_ENTER and again at the fault, with
 * its memslot created, deleted or moved in between: each lookup decides
 * on its own.
 */
static void slot_is_mmio_test(struct kunit *test)
{
	struct kvm_memory_slot slot = { .base_gfn = 0x20000, .npages = 16 };
	struct kvm_memory_slot moving = slot;

	moving.flags = KVM_MEMSLOT_INVALID;

	/* No memslot at H_ENTER: MMIO.  One created before the fault: RAM. */
	KUNIT_EXPECT_TRUE(test, kvmppc_slot_is_mmio(NULL));
	KUNIT_EXPECT_FALSE(test, kvmppc_slot_is_mmio(&slot));
	/* Deleted or moved away: invalid while it goes, then gone. */
	KUNIT_EXPECT_TRUE(test, kvmppc_slot_is_mmio(&moving));
	KUNIT_EXPECT_TRUE(test, kvmppc_slot_is_mmio(NULL));
}

/* Fill the next cache entry as kvmppc_hpte_hv_fault() does. */
static struct mmio_hpte_cache_entry *cache_add(struct kvm_vcpu *vcpu,
					       unsigned long eaddr,
					       unsigned long slb_v, long gen)
{
	struct mmio_hpte_cache_entry *e = next_mmio_cache_entry(vcpu);

	e->eaddr = eaddr;
	e->slb_base_pshift = 12;
	e->pte_index = 8;
	e->hpte_v = HPTE_V_ABSENT;
	e->hpte_r = HPTE_R_KEY_HI | HPTE_R_KEY_LO;
	e->rpte = 0x20000000ul;
	e->slb_v = slb_v;
	e->mmio_update = gen;
	return e;
}

/*
 * A cached MMIO translation is used only while kvm->arch.mmio_update is
 * the value it was made under; a memslot change bumps it, so an address
 * that became RAM goes through the full lookup again.
 */
static void mmio_cache_generation_test(struct kunit *test)
{
	const unsigned long slb_v = 0x1234ul << SLB_VSID_SHIFT;
	const unsigned long ea = 0x10000008ul;
	struct mmio_hpte_cache_entry *e;
	struct kvm_vcpu *vcpu;

	vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu);

	e = cache_add(vcpu, ea, slb_v, 5);
	KUNIT_EXPECT_PTR_EQ(test, mmio_cache_search(vcpu, ea, slb_v, 5), e);
	/* Same page, other offset: hit.  Other page or segment: miss. */
	KUNIT_EXPECT_PTR_EQ(test, mmio_cache_search(vcpu, ea + 0x10, slb_v, 5), e);
	KUNIT_EXPECT_NULL(test, mmio_cache_search(vcpu, ea + 0x1000, slb_v, 5));
	KUNIT_EXPECT_NULL(test, mmio_cache_search(vcpu, ea, slb_v + 0x1000, 5));
	/* A memslot was created: the entry is stale. */
	KUNIT_EXPECT_NULL(test, mmio_cache_search(vcpu, ea, slb_v, 6));
	/* Re-cached under the new generation, it hits again. */
	e = cache_add(vcpu, ea, slb_v, 6);
	KUNIT_EXPECT_PTR_EQ(test, mmio_cache_search(vcpu, ea, slb_v, 6), e);
}

/* The cache is a ring: the oldest entry is the one replaced. */
static void mmio_cache_ring_test(struct kunit *test)
{
	const unsigned long slb_v = 0x1234ul << SLB_VSID_SHIFT;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu);

	for (i = 0; i <= MMIO_HPTE_CACHE_SIZE; i++)
		cache_add(vcpu, 0x10000000ul + i * 0x1000, slb_v, 1);
	KUNIT_EXPECT_NULL(test, mmio_cache_search(vcpu, 0x10000000ul, slb_v, 1));
	for (i = 1; i <= MMIO_HPTE_CACHE_SIZE; i++) {
		unsigned long ea = 0x10000000ul + i * 0x1000;

		KUNIT_EXPECT_NOT_NULL(test, mmio_cache_search(vcpu, ea, slb_v, 1));
	}
}

static struct kunit_case book3s_hv_mmio_test_cases[] = {
	KUNIT_CASE_PARAM(inst_is_store_test, inst_gen_params),
	KUNIT_CASE_PARAM(inst_matches_fault_test, inst_gen_params),
	KUNIT_CASE(is_mmio_hpte_test),
	KUNIT_CASE(slot_is_mmio_test),
	KUNIT_CASE(mmio_cache_generation_test),
	KUNIT_CASE(mmio_cache_ring_test),
	{}
};

static struct kunit_suite book3s_hv_mmio_test_suite = {
	.name = "kvm-book3s-hv-mmio",
	.test_cases = book3s_hv_mmio_test_cases,
};

kunit_test_suite(book3s_hv_mmio_test_suite);
