// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvpanic_book3s_test: the in-kernel pvpanic device on Book3S-64, reached
 * through the emulated-MMIO fault path, from a tiny VMM.
 *
 *   pvpanic_book3s_test pr   KVM-PR (VM type 2): the guest runs in real
 *                            mode; an access outside its memslots faults
 *                            into PR's MMIO emulation.
 *   pvpanic_book3s_test hv   KVM-HV, hash MMU (VM type 1): the guest
 *                            loads an SLB entry, H_ENTERs an HPTE for a
 *                            page without a memslot (KVM makes it absent
 *                            with key 31), turns on data relocation and
 *                            accesses it: the key-31 fault path.
 *
 * The guest code is the same for both after that set-up: probe the
 * device (answered in the kernel, no exit), raise PANICKED (exit after
 * the store), write a masked-out event (no exit), raise CRASH_LOADED, do a
 * 2-byte store and load (KVM_EXIT_MMIO: the device takes 1-byte accesses
 * only).  It then asks the VMM to put RAM over the device's page (the
 * access must read RAM: the fault path decides per page and must not reuse
 * a cached MMIO translation), to move that memslot away (the device
 * answers again: nothing may keep mapping the old pages), back, and to
 * delete it.  The VMM checks every exit, its fields and the guest's PC and
 * registers.
 *
 * The guest calls the VMM with an unknown hcall (KVM_EXIT_PAPR_HCALL) on
 * HV, and with a 4-byte store to a doorbell page without a memslot
 * (KVM_EXIT_MMIO) on PR: a PR guest runs in problem state, and on a
 * pseries host its "sc 1" goes to the hypervisor underneath (QEMU answers
 * H_PRIVILEGE), never to the host kernel.
 *
 * Not built by tools/testing/selftests/kvm/Makefile, which has no
 * powerpc support in 6.12: the project harness cross-builds it statically
 * (make check-ppc).  Big-endian guest code, hand-assembled below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvm.h>
#include <misc/pvpanic.h>

#include "kselftest.h"

#define RAM_SIZE	(4ul << 20)
#define CODE_GPA	0x10000ul
#define DEV_GPA		0x20000000ul	/* no memslot: emulated MMIO */
#define DEV_EA_HV	0x10000000ul	/* ESID 1, mapped to DEV_GPA by H_ENTER */
#define DOORBELL_GPA	0x30000000ul	/* PR: the guest's calls to the VMM */
#define RAM2_SLOT	1
#define RAM2_SIZE	0x10000ul
#define RAM2_BYTE	0x5a
#define RAM2_AWAY_GPA	0x40000000ul
#define ENABLED		((int)(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED))
#define ALL_EVENTS	((int)(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED | PVPANIC_SHUTDOWN))
#define LOAD_ANSWER	0xbeef

/* Calls the guest makes to this VMM (hcall numbers no PAPR hcall uses). */
#define HC_VECTOR	0x6000		/* + vector / 16: unexpected interrupt */
#define HC_ADD_RAM	0x7100		/* memslot over the device's page */
#define HC_MOVE_AWAY	0x7200		/* move it elsewhere */
#define HC_MOVE_BACK	0x7300		/* and back */
#define HC_DEL_RAM	0x7400		/* delete it */
#define HC_DONE		0x7777
#define H_ENTER		0x08
#define H_LOGICAL_CI_STORE	0x40

#define MSR_SF		0x8000000000000000ull
#define MSR_ME		0x1000ull
#define MSR_DR		0x10ull

#define HPTE_V_VALID	0x1ull
#define HPTE_R_I	0x20ull
#define HPTE_R_G	0x08ull
#define HPTE_R_PP_RW	0x2ull
#define SLB_ESID_V	0x08000000ull
#define SLB_VSID_SHIFT	12
#define TEST_VSID	0x1234ull

/* Instruction encodings (Power ISA 3.0, big-endian words). */
#define D_FORM(op, rt, ra, d)	(((op) << 26) | ((rt) << 21) | ((ra) << 16) | ((d) & 0xffff))
#define X_FORM(xo, rs, ra, rb)	((31u << 26) | ((rs) << 21) | ((ra) << 16) | \
				 ((rb) << 11) | ((xo) << 1))
#define LBZ(rt, ra)	D_FORM(34u, rt, ra, 0)
#define LHZ(rt, ra)	D_FORM(40u, rt, ra, 0)
#define STB(rs, ra)	D_FORM(38u, rs, ra, 0)
#define STH(rs, ra)	D_FORM(44u, rs, ra, 0)
#define STW(rs, ra)	D_FORM(36u, rs, ra, 0)
#define LI(rt, v)	D_FORM(14u, rt, 0, v)
#define LIS(rt, v)	D_FORM(15u, rt, 0, v)
#define OR(ra, rs, rb)	X_FORM(444u, rs, ra, rb)
#define SLBMTE(rs, rb)	X_FORM(402u, rs, 0, rb)
#define MTMSRD(rs)	X_FORM(178u, rs, 0, 0)
#define ISYNC		0x4c00012cu
#define SC1		0x44000022u
#define B_SELF		0x48000000u

/* mr ra, rs is or ra, rs, rs */
static uint32_t mr(uint32_t ra, uint32_t rs)
{
	return OR(ra, rs, rs);
}

enum exit_kind { X_PVPANIC, X_MMIO, X_CALL };

struct step {
	const char *name;
	enum exit_kind kind;
	uint64_t arg;		/* events, MMIO length, or hcall number */
	bool is_write;
	int after;		/* marker: the instruction the PC must be at */
	bool hv_only;
};

struct vm {
	bool hv;
	int kvm, fd, vcpu;
	struct kvm_run *run;
	uint8_t *ram, *ram2;
	uint32_t code[64];
	int ncode;
	int mark[16];
	uint64_t dev_ea;
};

static int emit(struct vm *vm, uint32_t insn)
{
	vm->code[vm->ncode] = insn;
	return vm->ncode++;
}

static void alarm_handler(int sig)
{
}

/* Registers the HV set-up code takes its operands from. */
enum {
	R_DOORBELL = 10,
	R_SLB_RB = 20, R_SLB_RS, R_HE_FLAGS, R_HE_INDEX, R_HE_V, R_HE_R,
	R_MSR, R_DEV_EA, R_HE_RET
};

/* The guest calls the VMM with the call number in r3. */
static uint32_t call_insn(struct vm *vm)
{
	return vm->hv ? SC1 : STW(3, R_DOORBELL);
}

/* Markers into the code for the PC checks. */
enum {
	M_CISTORE, M_PANIC, M_CRASH, M_STH, M_LHZ, M_ADD, M_AWAY, M_BACK, M_DEL,
	M_PANIC2, M_DONE
};

static void assemble(struct vm *vm)
{
	if (vm->hv) {
		emit(vm, SLBMTE(R_SLB_RS, R_SLB_RB));
		emit(vm, ISYNC);
		emit(vm, LI(3, H_ENTER));
		emit(vm, mr(4, R_HE_FLAGS));
		emit(vm, mr(5, R_HE_INDEX));
		emit(vm, mr(6, R_HE_V));
		emit(vm, mr(7, R_HE_R));
		emit(vm, SC1);
		emit(vm, mr(R_HE_RET, 3));
		/* The other way to the MMIO bus: a cache-inhibited store hcall. */
		emit(vm, LI(3, H_LOGICAL_CI_STORE));
		emit(vm, LI(4, 1));
		emit(vm, LIS(5, DEV_GPA >> 16));
		emit(vm, LI(6, PVPANIC_CRASH_LOADED));
		vm->mark[M_CISTORE] = emit(vm, SC1) + 1;
		emit(vm, mr(4, R_DEV_EA));
		emit(vm, MTMSRD(R_MSR));
		emit(vm, ISYNC);
	}
	emit(vm, LBZ(5, 4));				/* probe */
	emit(vm, LI(6, PVPANIC_PANICKED));
	vm->mark[M_PANIC] = emit(vm, STB(6, 4)) + 1;
	emit(vm, LI(6, PVPANIC_SHUTDOWN));		/* not enabled */
	emit(vm, STB(6, 4));
	emit(vm, LI(6, PVPANIC_CRASH_LOADED));
	vm->mark[M_CRASH] = emit(vm, STB(6, 4)) + 1;
	vm->mark[M_STH] = emit(vm, STH(6, 4)) + 1;
	vm->mark[M_LHZ] = emit(vm, LHZ(7, 4)) + 1;
	emit(vm, LI(3, HC_ADD_RAM));
	vm->mark[M_ADD] = emit(vm, call_insn(vm)) + 1;
	emit(vm, LBZ(8, 4));				/* RAM now */
	emit(vm, LI(3, HC_MOVE_AWAY));
	vm->mark[M_AWAY] = emit(vm, call_insn(vm)) + 1;
	emit(vm, LBZ(9, 4));				/* the device again */
	emit(vm, LI(3, HC_MOVE_BACK));
	vm->mark[M_BACK] = emit(vm, call_insn(vm)) + 1;
	emit(vm, LBZ(11, 4));				/* RAM again */
	emit(vm, LI(3, HC_DEL_RAM));
	vm->mark[M_DEL] = emit(vm, call_insn(vm)) + 1;
	emit(vm, LBZ(12, 4));				/* the device again */
	emit(vm, LI(6, PVPANIC_PANICKED));
	vm->mark[M_PANIC2] = emit(vm, STB(6, 4)) + 1;
	emit(vm, LI(3, HC_DONE));
	vm->mark[M_DONE] = emit(vm, call_insn(vm)) + 1;
	emit(vm, B_SELF);
}

static void put_code(struct vm *vm)
{
	uint32_t *p;
	uint64_t a;
	int i;

	/*
	 * Every interrupt vector below 0x1000 reports itself with a call,
	 * so an unexpected DSI or program check fails the test by name
	 * instead of running zeroes.
	 */
	for (a = 0; a < 0x1000; a += 0x20) {
		p = (uint32_t *)(vm->ram + a);
		p[0] = htobe32(LI(3, HC_VECTOR + (a >> 4)));
		p[1] = htobe32(call_insn(vm));
	}
	for (i = 0; i < vm->ncode; i++)
		((uint32_t *)(vm->ram + CODE_GPA))[i] = htobe32(vm->code[i]);
}

static uint64_t pc_of(struct vm *vm, int mark)
{
	return CODE_GPA + 4ul * vm->mark[mark];
}

static int set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		    void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/*
 * The HPTE H_ENTER gets: a 4K page in a 256M segment, cache-inhibited and
 * guarded as a driver maps MMIO, read/write for the kernel, key 0.
 */
static void hv_regs(struct vm *vm, struct kvm_regs *regs, uint32_t htab_order)
{
	uint64_t va = (TEST_VSID << 28) | (DEV_EA_HV & 0x0fffffff);
	uint64_t hash = TEST_VSID ^ ((DEV_EA_HV & 0x0fffffff) >> 12);
	uint64_t pteg_mask = (1ull << (htab_order - 7)) - 1;

	regs->gpr[R_SLB_RB] = (DEV_EA_HV & ~0x0fffffffull) | SLB_ESID_V | 1;
	regs->gpr[R_SLB_RS] = TEST_VSID << SLB_VSID_SHIFT;
	regs->gpr[R_HE_FLAGS] = 0;
	regs->gpr[R_HE_INDEX] = (hash & pteg_mask) * 8;
	regs->gpr[R_HE_V] = ((va >> 23) << 7) | HPTE_V_VALID;
	regs->gpr[R_HE_R] = DEV_GPA | HPTE_R_I | HPTE_R_G | HPTE_R_PP_RW;
	regs->gpr[R_MSR] = MSR_SF | MSR_ME | MSR_DR;
	regs->gpr[R_DEV_EA] = DEV_EA_HV;
	regs->gpr[R_HE_RET] = ~0ull;
}

static void uapi_checks(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PVPANIC };
	int r;

	r = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_PVPANIC);
	ksft_test_result(r == ALL_EVENTS,
			 "KVM_CHECK_EXTENSION(KVM_CAP_PVPANIC) = %#x (want %#x)\n",
			 r, ALL_EVENTS);

	/* Book3S has no PIO bus. */
	cap.args[0] = KVM_PVPANIC_SPACE_PIO;
	cap.args[1] = 0x505;
	cap.args[2] = ENABLED;
	r = ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
	ksft_test_result(r == -1 && errno == EINVAL,
			 "KVM_PVPANIC_SPACE_PIO: %d/%s (want EINVAL)\n",
			 r, r ? strerror(errno) : "ok");

	cap.args[0] = KVM_PVPANIC_SPACE_MMIO;
	cap.args[1] = DEV_GPA;
	cap.args[2] = ENABLED;
	r = ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
	if (r)
		ksft_exit_fail_msg("enable the device at MMIO %#lx: %s\n",
				   DEV_GPA, strerror(errno));
	ksft_test_result_pass("device enabled at MMIO %#lx, events %#x\n",
			      DEV_GPA, ENABLED);
}

static void setup(struct vm *vm, const char *flavour)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	struct kvm_enable_cap ci_store = {
		.cap = KVM_CAP_PPC_ENABLE_HCALL, .args = { H_LOGICAL_CI_STORE, 1 },
	};
	struct kvm_regs regs = {};
	uint32_t htab_order = 18;
	int type = vm->hv ? KVM_VM_PPC_HV : KVM_VM_PPC_PR;
	int mmap_size, htab_fd;

	vm->kvm = open("/dev/kvm", O_RDWR);
	if (vm->kvm < 0 && errno == ENOENT)
		ksft_exit_skip("no /dev/kvm: kvm.ko not loaded\n");
	if (vm->kvm < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", strerror(errno));
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, type);
	/* KVM answers EINVAL for a VM type whose module is not loaded. */
	if (vm->fd < 0 && errno == EINVAL)
		ksft_exit_skip("KVM_CREATE_VM(%s): EINVAL: no KVM-%s (kvm-%s.ko not loaded%s)\n",
			       flavour, vm->hv ? "HV" : "PR", flavour,
			       vm->hv ? ", or not a powernv host" : ", or not a hash-MMU host");
	if (vm->fd < 0)
		ksft_exit_fail_msg("KVM_CREATE_VM(%s): %s\n", flavour, strerror(errno));
	/* Only HV has a guest hash table userspace can read. */
	htab_fd = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_HTAB_FD);
	ksft_test_result(!!htab_fd == vm->hv, "VM type %d is KVM-%s (HTAB_FD %d)\n",
			 type, vm->hv ? "HV" : "PR", htab_fd);

	vm->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm->ram2 = mmap(NULL, RAM2_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->ram == MAP_FAILED || vm->ram2 == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(vm->ram2, RAM2_BYTE, RAM2_SIZE);
	if (set_slot(vm, 0, 0, RAM_SIZE, vm->ram))
		ksft_exit_fail_msg("memslot 0: %s\n", strerror(errno));

	if (vm->hv && ioctl(vm->fd, KVM_PPC_ALLOCATE_HTAB, &htab_order))
		ksft_exit_fail_msg("KVM_PPC_ALLOCATE_HTAB: %s\n", strerror(errno));

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		ksft_exit_fail_msg("KVM_CREATE_VCPU: %s\n", strerror(errno));
	if (ioctl(vm->vcpu, KVM_ENABLE_CAP, &papr))
		ksft_exit_fail_msg("KVM_CAP_PPC_PAPR: %s\n", strerror(errno));
	if (vm->hv && ioctl(vm->fd, KVM_ENABLE_CAP, &ci_store))
		ksft_exit_fail_msg("enable H_LOGICAL_CI_STORE: %s\n", strerror(errno));
	mmap_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		ksft_exit_fail_msg("mmap kvm_run: %s\n", strerror(errno));

	uapi_checks(vm);

	assemble(vm);
	put_code(vm);
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs))
		ksft_exit_fail_msg("KVM_GET_REGS: %s\n", strerror(errno));
	regs.pc = CODE_GPA;
	regs.msr = MSR_SF | MSR_ME;
	if (vm->hv) {
		hv_regs(vm, &regs, htab_order);
		vm->dev_ea = DEV_EA_HV;
	} else {
		regs.gpr[4] = DEV_GPA;
		regs.gpr[R_DOORBELL] = DOORBELL_GPA;
		regs.gpr[R_HE_RET] = 0;
		vm->dev_ea = DEV_GPA;
	}
	for (int i = 5; i < 10; i++)
		regs.gpr[i] = 0xdead0000 + i;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs))
		ksft_exit_fail_msg("KVM_SET_REGS: %s\n", strerror(errno));
}

static const char *exit_name(struct kvm_run *run)
{
	static char buf[96];

	switch (run->exit_reason) {
	case KVM_EXIT_PVPANIC:
		snprintf(buf, sizeof(buf), "KVM_EXIT_PVPANIC events %#llx addr %#llx space %u",
			 (unsigned long long)run->pvpanic.events,
			 (unsigned long long)run->pvpanic.addr, run->pvpanic.space);
		break;
	case KVM_EXIT_MMIO:
		if (run->mmio.phys_addr == DOORBELL_GPA && run->mmio.len == 4) {
			snprintf(buf, sizeof(buf), "doorbell call %#x",
				 be32toh(*(uint32_t *)run->mmio.data));
			break;
		}
		snprintf(buf, sizeof(buf), "KVM_EXIT_MMIO %s len %u at %#llx",
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_PAPR_HCALL:
		snprintf(buf, sizeof(buf), "KVM_EXIT_PAPR_HCALL %#llx",
			 (unsigned long long)run->papr_hcall.nr);
		break;
	default:
		snprintf(buf, sizeof(buf), "exit reason %u", run->exit_reason);
	}
	return buf;
}

/* Run to the next exit; false (and a failed test line) on anything else. */
static bool run_to(struct vm *vm, const struct step *s, struct kvm_regs *regs)
{
	struct kvm_run *run = vm->run;
	bool ok = false;
	int r;

	alarm(30);
	r = ioctl(vm->vcpu, KVM_RUN, 0);
	alarm(0);
	if (r) {
		ksft_test_result_fail("%s: KVM_RUN: %s%s\n", s->name, strerror(errno),
				      errno == EINTR ? " (guest stuck for 30 s)" : "");
		return false;
	}
	if (ioctl(vm->vcpu, KVM_GET_REGS, regs))
		ksft_exit_fail_msg("KVM_GET_REGS: %s\n", strerror(errno));

	switch (s->kind) {
	case X_PVPANIC:
		ok = run->exit_reason == KVM_EXIT_PVPANIC &&
		     run->pvpanic.events == s->arg &&
		     run->pvpanic.addr == DEV_GPA &&
		     run->pvpanic.space == KVM_PVPANIC_SPACE_MMIO &&
		     run->pvpanic.flags == 0;
		break;
	case X_MMIO:
		ok = run->exit_reason == KVM_EXIT_MMIO &&
		     run->mmio.phys_addr == DEV_GPA && run->mmio.len == s->arg &&
		     run->mmio.is_write == s->is_write;
		break;
	case X_CALL:
		if (vm->hv)
			ok = run->exit_reason == KVM_EXIT_PAPR_HCALL &&
			     run->papr_hcall.nr == s->arg;
		else
			ok = run->exit_reason == KVM_EXIT_MMIO &&
			     run->mmio.phys_addr == DOORBELL_GPA &&
			     run->mmio.len == 4 && run->mmio.is_write &&
			     be32toh(*(uint32_t *)run->mmio.data) == s->arg;
		break;
	}
	if (!ok) {
		ksft_test_result_fail("%s: got %s, pc %#llx, r3 %#llx, dar/srr0 %#llx\n",
				      s->name, exit_name(run),
				      (unsigned long long)regs->pc,
				      (unsigned long long)regs->gpr[3],
				      (unsigned long long)regs->srr0);
		return false;
	}
	if (regs->pc != pc_of(vm, s->after)) {
		ksft_test_result_fail("%s: %s with pc %#llx, want %#llx (after the access)\n",
				      s->name, exit_name(run),
				      (unsigned long long)regs->pc,
				      (unsigned long long)pc_of(vm, s->after));
		return false;
	}
	return true;
}

/* Create, move (same slot and pages, new address) or delete (size 0) RAM2. */
static void ram2_at(struct vm *vm, uint64_t gpa, uint64_t size)
{
	if (set_slot(vm, RAM2_SLOT, gpa, size, size ? vm->ram2 : NULL))
		ksft_exit_fail_msg("memslot %d to %#llx size %#llx: %s\n", RAM2_SLOT,
				   (unsigned long long)gpa, (unsigned long long)size,
				   strerror(errno));
	if (vm->hv)
		vm->run->papr_hcall.ret = 0;
}

/*
 * The event went out once: KVM_RUN with immediate_exit now returns EINTR at
 * once, without a second KVM_EXIT_PVPANIC and without running the guest.
 */
static void expect_delivered_once(struct vm *vm, const struct kvm_regs *before)
{
	struct kvm_regs regs;
	int r, err;

	vm->run->immediate_exit = 1;
	vm->run->exit_reason = KVM_EXIT_UNKNOWN;
	r = ioctl(vm->vcpu, KVM_RUN, 0);
	err = errno;
	vm->run->immediate_exit = 0;
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs))
		ksft_exit_fail_msg("KVM_GET_REGS: %s\n", strerror(errno));
	ksft_test_result(r == -1 && err == EINTR &&
			 vm->run->exit_reason != KVM_EXIT_PVPANIC &&
			 regs.pc == before->pc,
			 "after KVM_EXIT_PVPANIC, immediate_exit: %s, %s, pc %s\n",
			 r ? strerror(err) : "returned 0", exit_name(vm->run),
			 regs.pc == before->pc ? "unchanged" : "moved");
}

/* What the guest read into a register, against what it must have read. */
static void expect_gpr(const struct kvm_regs *regs, int r, uint64_t want,
		       const char *what)
{
	ksft_test_result(regs->gpr[r] == want, "%s: r%d = %#llx (want %#llx)\n",
			 what, r, (unsigned long long)regs->gpr[r],
			 (unsigned long long)want);
}

static const struct step steps[] = {
	{ "H_LOGICAL_CI_STORE of CRASH_LOADED: KVM_EXIT_PVPANIC after the hcall",
	  X_PVPANIC, PVPANIC_CRASH_LOADED, false, M_CISTORE, true },
	{ "PANICKED store: KVM_EXIT_PVPANIC after it",
	  X_PVPANIC, PVPANIC_PANICKED, false, M_PANIC, false },
	{ "SHUTDOWN (not enabled): no exit; CRASH_LOADED: KVM_EXIT_PVPANIC",
	  X_PVPANIC, PVPANIC_CRASH_LOADED, false, M_CRASH, false },
	{ "2-byte store at the device: KVM_EXIT_MMIO", X_MMIO, 2, true, M_STH, false },
	{ "2-byte load at the device: KVM_EXIT_MMIO", X_MMIO, 2, false, M_LHZ, false },
	{ "guest asks for RAM at the device's page", X_CALL, HC_ADD_RAM, false, M_ADD, false },
	{ "guest asks to move that RAM away", X_CALL, HC_MOVE_AWAY, false, M_AWAY, false },
	{ "guest asks to move it back", X_CALL, HC_MOVE_BACK, false, M_BACK, false },
	{ "guest asks to delete it", X_CALL, HC_DEL_RAM, false, M_DEL, false },
	{ "device reached again after the RAM went: KVM_EXIT_PVPANIC",
	  X_PVPANIC, PVPANIC_PANICKED, false, M_PANIC2, false },
	{ "guest done", X_CALL, HC_DONE, false, M_DONE, false },
};

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = alarm_handler };
	struct vm vm = {};
	struct kvm_regs regs;
	size_t i;

	if (argc != 2 || (strcmp(argv[1], "pr") && strcmp(argv[1], "hv"))) {
		fprintf(stderr, "usage: %s pr|hv\n", argv[0]);
		return KSFT_FAIL;
	}
	vm.hv = !strcmp(argv[1], "hv");
	sigaction(SIGALRM, &sa, NULL);

	ksft_print_header();
	ksft_set_plan(4 + ARRAY_SIZE(steps) + 10 - (vm.hv ? 0 : 2));
	setup(&vm, argv[1]);

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		const struct step *s = &steps[i];
		struct kvm_run *run = vm.run;

		if (s->hv_only && !vm.hv)
			continue;
		if (!run_to(&vm, s, &regs))
			break;

		switch (s->after) {
		case M_CISTORE:
			ksft_test_result(regs.gpr[3] == 0,
					 "H_LOGICAL_CI_STORE returned %lld\n",
					 (long long)regs.gpr[3]);
			break;
		case M_PANIC:
			ksft_test_result(regs.gpr[R_HE_RET] == 0,
					 "%s set-up: H_ENTER returned %lld\n",
					 vm.hv ? "HV" : "PR (none)",
					 (long long)regs.gpr[R_HE_RET]);
			expect_gpr(&regs, 5, ENABLED, "1-byte probe answered in the kernel");
			expect_delivered_once(&vm, &regs);
			break;
		case M_STH:
			/* Big-endian guest: sth of 2 is 00 02. */
			ksft_test_result(run->mmio.data[0] == 0 && run->mmio.data[1] == 2,
					 "2-byte store data %02x %02x (want 00 02)\n",
					 run->mmio.data[0], run->mmio.data[1]);
			break;
		case M_LHZ:
			run->mmio.data[0] = LOAD_ANSWER >> 8;
			run->mmio.data[1] = LOAD_ANSWER & 0xff;
			break;
		case M_ADD:
			ram2_at(&vm, DEV_GPA, RAM2_SIZE);
			break;
		case M_AWAY:
			expect_gpr(&regs, 7, LOAD_ANSWER,
				   "2-byte load completed with the VMM's data");
			expect_gpr(&regs, 8, RAM2_BYTE,
				   "RAM created after the MMIO fault is read as RAM");
			ram2_at(&vm, RAM2_AWAY_GPA, RAM2_SIZE);
			break;
		case M_BACK:
			expect_gpr(&regs, 9, ENABLED,
				   "RAM moved away: the probe reaches the device");
			ram2_at(&vm, DEV_GPA, RAM2_SIZE);
			break;
		case M_DEL:
			expect_gpr(&regs, 11, RAM2_BYTE,
				   "RAM moved back over the device: read as RAM");
			ram2_at(&vm, 0, 0);
			break;
		case M_PANIC2:
			expect_gpr(&regs, 12, ENABLED, "RAM deleted: the probe reaches the device");
			break;
		}
		ksft_test_result_pass("%s: %s\n", s->name, exit_name(run));
	}
	ksft_finished();
}
