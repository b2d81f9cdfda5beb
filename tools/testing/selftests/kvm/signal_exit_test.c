// SPDX-License-Identifier: GPL-2.0-only
/*
 * A signal to a thread in KVM_RUN: KVM_RUN fails with EINTR, the exit
 * reason is KVM_EXIT_INTR and the vCPU's signal_exits stat counts it.
 *
 * With CONFIG_KVM_XFER_TO_GUEST_WORK, the exit for a signal that arrives
 * while the guest runs is taken by kernel/entry/kvm.c, which is built into
 * the kernel image, not into kvm.ko: it writes vcpu->run->exit_reason and
 * vcpu->stat.signal_exits at offsets fixed when that image was built.  So
 * this test is also the check that KVM modules built out of tree for a
 * distro kernel keep those offsets; a module that moved them crashed such
 * a kernel the first time a signal reached a running vCPU.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "kvm_test_harness.h"
#include "kvm_util.h"

#define NR_SIGNALS	100

static void guest_code(void)
{
	for (;;)
		;
}

/* Written by the handler, read by the test: hence READ_ONCE/WRITE_ONCE. */
static int nr_handled;

static void sigusr1_handler(int sig)
{
	WRITE_ONCE(nr_handled, nr_handled + 1);
}

/* No SA_RESTART: an interrupted KVM_RUN must come back with EINTR. */
static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = sigusr1_handler };

	TEST_ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
}

static uint64_t vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs, *desc;
	uint64_t data = 0;
	bool found = false;
	ssize_t size;
	int fd, i;

	fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(fd, &header);
	descs = read_stats_descriptors(fd, &header);
	size = get_stats_descriptor_size(&header);
	for (i = 0; i < header.num_desc; i++) {
		desc = (void *)descs + i * size;
		if (strcmp(desc->name, name))
			continue;
		read_stat_data(fd, &header, desc, &data, 1);
		found = true;
		break;
	}
	free(descs);
	close(fd);
	TEST_ASSERT(found, "no vCPU stat '%s'", name);
	return data;
}

/* KVM_SET_SIGNAL_MASK: the signal mask while in KVM_RUN. */
static void vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *set)
{
	/* The kernel's sigset_t: 64 signals. */
	uint8_t buf[sizeof(struct kvm_signal_mask) + 8];
	struct kvm_signal_mask *mask = (void *)buf;

	mask->len = 8;
	memcpy(mask->sigset, set, 8);
	vcpu_ioctl(vcpu, KVM_SET_SIGNAL_MASK, mask);
}

struct kicker {
	pthread_t target;
	bool stop;
};

/*
 * Signal the vCPU thread every millisecond until told to stop: a signal can
 * land while the thread is between two KVM_RUNs, where it interrupts
 * nothing, so the test counts KVM_RUN's EINTRs and not the signals sent.
 */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!READ_ONCE(k->stop)) {
		pthread_kill(k->target, SIGUSR1);
		usleep(1000);
	}
	return NULL;
}

/* Signals while the guest spins: every KVM_RUN ends in KVM_EXIT_INTR. */
KVM_ONE_VCPU_TEST_SUITE(signal_exit);

KVM_ONE_VCPU_TEST(signal_exit, signals_while_in_guest, guest_code)
{
	struct kicker k = { .target = pthread_self() };
	uint64_t before = vcpu_stat(vcpu, "signal_exits");
	pthread_t thread;
	int i, r;

	install_handler();
	pthread_create(&thread, NULL, kick, &k);
	for (i = 0; i < NR_SIGNALS; i++) {
		vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
		r = __vcpu_run(vcpu);
		TEST_ASSERT(r == -1 && errno == EINTR,
			    "KVM_RUN #%d: %d, errno %d, expected EINTR", i, r, errno);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_INTR);
	}
	WRITE_ONCE(k.stop, true);
	pthread_join(thread, NULL);

	TEST_ASSERT_EQ(vcpu_stat(vcpu, "signal_exits") - before, NR_SIGNALS);
	TEST_ASSERT(READ_ONCE(nr_handled) >= NR_SIGNALS, "%d signals handled for %d EINTRs",
		    READ_ONCE(nr_handled), NR_SIGNALS);
}

/*
 * A signal already pending when KVM_RUN starts (blocked in the thread,
 * unblocked for KVM_RUN by KVM_SET_SIGNAL_MASK): KVM_RUN fails at once, that
 * exit counts too, and the signal stays pending for userspace, blocked again.
 */
KVM_ONE_VCPU_TEST(signal_exit, pending_at_entry, guest_code)
{
	uint64_t before = vcpu_stat(vcpu, "signal_exits");
	sigset_t block, run_mask, pending;
	struct timespec zero = {};
	int r;

	install_handler();
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	TEST_ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	sigemptyset(&run_mask);
	vcpu_set_signal_mask(vcpu, &run_mask);

	TEST_ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR, "KVM_RUN: %d, errno %d, expected EINTR",
		    r, errno);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_INTR);
	TEST_ASSERT_EQ(vcpu_stat(vcpu, "signal_exits") - before, 1);

	TEST_ASSERT_EQ(READ_ONCE(nr_handled), 0);
	TEST_ASSERT_EQ(sigpending(&pending), 0);
	TEST_ASSERT(sigismember(&pending, SIGUSR1), "SIGUSR1 no longer pending");
	TEST_ASSERT_EQ(sigtimedwait(&block, NULL, &zero), SIGUSR1);
}

/*
 * The negative case: KVM_RUN with immediate_exit also fails with EINTR,
 * but no signal made it exit, so signal_exits must not move.
 */
KVM_ONE_VCPU_TEST(signal_exit, immediate_exit_is_not_a_signal_exit, guest_code)
{
	uint64_t before = vcpu_stat(vcpu, "signal_exits");
	int r;

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	vcpu->run->immediate_exit = 0;
	TEST_ASSERT(r == -1 && errno == EINTR, "KVM_RUN: %d, errno %d, expected EINTR",
		    r, errno);
	TEST_ASSERT_EQ(vcpu_stat(vcpu, "signal_exits"), before);
}

int main(int argc, char *argv[])
{
	return test_harness_run(argc, argv);
}
