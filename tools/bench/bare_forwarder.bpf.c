// SPDX-License-Identifier: GPL-2.0-only
/*
 * The baseline: what any XDP IPv6 forwarder pays per packet. Ethernet and
 * IPv6 (no tags, no extension headers), one bpf_fib_lookup with the full
 * IPv6 length, the MACs rewritten, the hop limit decremented, out through a
 * devmap. No counters, no policy, no PTB: pmtuguard's paths are measured
 * against this and against an empty program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "consts.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} bare_tx_ports SEC(".maps");

SEC("xdp")
int bare_forwarder(struct xdp_md *ctx)
{
	__u32 ingress = ctx->ingress_ifindex; /* read up front: clang 14 + verifier */
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct bpf_fib_lookup fib = {};

	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if (ip6->hop_limit <= 1)
		return XDP_PASS;

	fib.family = AF_INET6;
	fib.l4_protocol = ip6->nexthdr;
	fib.tot_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	fib.ifindex = ingress;
	fib.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0FFFFFFF);
	__builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS; /* too big, no route, no neighbour: the kernel's job */

	ip6->hop_limit--;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect_map(&bare_tx_ports, fib.ifindex, 0);
}
