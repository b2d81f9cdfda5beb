// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-events-monitor: print KVM guest events from the "kvm-events" generic
 * netlink family, one JSON object per line.
 *
 * Usage: kvm-events-monitor [--count N] [--timeout S]
 *
 * Exit status: 0 when N events were printed, or when S seconds passed
 * without --count; 1 when S seconds passed before N events; 2 on usage
 * errors; 3 when the family is missing; 4 without the privilege to listen.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/kvm.h>
#include <linux/kvm_events.h>
#include <misc/pvpanic.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *prog = "kvm-events-monitor";

struct monitor {
	long count;	/* events still wanted, or -1 */
	long printed;
};

/* "uint" attributes are 4 or 8 bytes long, whichever the value needs. */
static unsigned long long get_uint(struct nlattr *a)
{
	return nla_len(a) == sizeof(uint32_t) ? nla_get_u32(a) : nla_get_u64(a);
}

static void print_events(unsigned long long events)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ PVPANIC_PANICKED, "panicked" },
		{ PVPANIC_CRASH_LOADED, "crash_loaded" },
		{ PVPANIC_SHUTDOWN, "shutdown" },
	};
	const char *sep = "";
	unsigned int i;

	printf("\"event_names\":[");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (events & names[i].bit) {
			printf("%s\"%s\"", sep, names[i].name);
			sep = ",";
		}
	}
	printf("]");
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[KVM_EVENTS_A_PVPANIC_MAX + 1];
	struct monitor *m = arg;
	uint32_t space;

	if (gnlh->cmd != KVM_EVENTS_CMD_PVPANIC_NTF)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KVM_EVENTS_A_PVPANIC_MAX, NULL) < 0)
		return NL_SKIP;
	if (!tb[KVM_EVENTS_A_PVPANIC_VM_ID] || !tb[KVM_EVENTS_A_PVPANIC_EVENTS] ||
	    !tb[KVM_EVENTS_A_PVPANIC_SPACE] || !tb[KVM_EVENTS_A_PVPANIC_ADDR])
		return NL_SKIP;

	space = nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_SPACE]);
	printf("{\"type\":\"pvpanic\",\"vm_id\":%llu",
	       get_uint(tb[KVM_EVENTS_A_PVPANIC_VM_ID]));
	if (tb[KVM_EVENTS_A_PVPANIC_TGID])
		printf(",\"tgid\":%u", nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_TGID]));
	if (tb[KVM_EVENTS_A_PVPANIC_VCPU_ID])
		printf(",\"vcpu_id\":%u", nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_VCPU_ID]));
	printf(",\"events\":%llu,", get_uint(tb[KVM_EVENTS_A_PVPANIC_EVENTS]));
	print_events(get_uint(tb[KVM_EVENTS_A_PVPANIC_EVENTS]));
	printf(",\"space\":\"%s\",\"addr\":%llu",
	       space == KVM_PVPANIC_SPACE_PIO ? "pio" :
	       space == KVM_PVPANIC_SPACE_MMIO ? "mmio" : "unknown",
	       get_uint(tb[KVM_EVENTS_A_PVPANIC_ADDR]));
	if (tb[KVM_EVENTS_A_PVPANIC_BOOTTIME_NS])
		printf(",\"boottime_ns\":%llu",
		       get_uint(tb[KVM_EVENTS_A_PVPANIC_BOOTTIME_NS]));
	if (tb[KVM_EVENTS_A_PVPANIC_REALTIME_NS])
		printf(",\"realtime_ns\":%llu",
		       get_uint(tb[KVM_EVENTS_A_PVPANIC_REALTIME_NS]));
	if (tb[KVM_EVENTS_A_PVPANIC_SUPPRESSED])
		printf(",\"suppressed\":%u",
		       nla_get_u32(tb[KVM_EVENTS_A_PVPANIC_SUPPRESSED]));
	printf("}\n");
	fflush(stdout);

	m->printed++;
	return NL_OK;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: %s [--count N] [--timeout SECONDS]\n"
		"Print KVM guest events (generic netlink family \"%s\") as JSON lines.\n"
		"Needs CAP_NET_ADMIN in the initial user and network namespaces.\n",
		prog, KVM_EVENTS_FAMILY_NAME);
}

static long parse_num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct monitor m = { .count = -1 };
	double timeout = -1, deadline;
	struct nl_sock *sk;
	int grp, r, c;

	while ((c = getopt_long(argc, argv, "c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			m.count = parse_num(optarg, "count");
			break;
		case 't':
			timeout = parse_num(optarg, "timeout");
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return 2;
	}
	if (!m.count)
		return 0;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "%s: cannot open a generic netlink socket\n", prog);
		return 3;
	}
	grp = genl_ctrl_resolve_grp(sk, KVM_EVENTS_FAMILY_NAME, KVM_EVENTS_MCGRP_PVPANIC);
	if (grp < 0) {
		fprintf(stderr, "%s: no generic netlink family \"%s\" with group \"%s\" (%s):\n"
			"  is a kvm.ko with the KVM event feed loaded, in this network namespace?\n",
			prog, KVM_EVENTS_FAMILY_NAME, KVM_EVENTS_MCGRP_PVPANIC, nl_geterror(grp));
		return 3;
	}
	r = nl_socket_add_membership(sk, grp);
	if (r) {
		fprintf(stderr, "%s: cannot join \"%s\": %s\n"
			"  (needs CAP_NET_ADMIN in the initial user namespace)\n",
			prog, KVM_EVENTS_MCGRP_PVPANIC, nl_geterror(r));
		return 4;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, &m);

	deadline = timeout >= 0 ? now() + timeout : 0;
	while (m.count < 0 || m.printed < m.count) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(sk), .events = POLLIN };
		int ms = -1;

		if (timeout >= 0) {
			double left = deadline - now();

			if (left <= 0)
				break;
			ms = (int)(left * 1000) + 1;
		}
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno != EINTR) {
			perror("poll");
			return 3;
		}
		if (r > 0) {
			r = nl_recvmsgs_default(sk);
			if (r < 0 && r != -NLE_AGAIN)
				fprintf(stderr, "%s: receive: %s\n", prog, nl_geterror(r));
		}
	}
	nl_socket_free(sk);

	return m.count >= 0 && m.printed < m.count ? 1 : 0;
}
