// SPDX-License-Identifier: GPL-2.0-only
/*
 * On the sending host: counts the answers coming back from the router (PTBs,
 * and the reflector's frames) and drops them, so that the host's own stack
 * costs the same whatever the router runs. Everything else (neighbour
 * discovery above all) goes on to the stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "consts.h"
#include "answer_counter.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ANSWER_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} answers SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&answers, &what);

	if (n)
		(*n)++;
}

SEC("xdp")
int answer_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct pg_icmp6_ptb *icmp = (void *)(ip6 + 1);

	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if (ip6->nexthdr == IPPROTO_UDP) {
		count(ANSWER_REFLECTED);
		return XDP_DROP;
	}
	if (ip6->nexthdr == IPPROTO_ICMPV6 && (void *)(icmp + 1) <= data_end && icmp->type == ICMPV6_PKT_TOOBIG) {
		count(ANSWER_PTB);
		return XDP_DROP;
	}
	return XDP_PASS;
}
