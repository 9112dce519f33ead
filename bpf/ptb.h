/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ICMPv6 Packet Too Big (RFC 4443 §3.2): who may get one (§2.4 e), and
 * turning the invoking frame into the PTB in place.
 */
#ifndef PG_PTB_H
#define PG_PTB_H

#include "ctx.h"
#include "consts.h"
#include "csum.h"
#include "parse.h"

static __always_inline int pg_addr_is_bad_source(const struct in6_addr *a)
{
	__u32 w0 = a->in6_u.u6_addr32[0], w1 = a->in6_u.u6_addr32[1];
	__u32 w2 = a->in6_u.u6_addr32[2], w3 = a->in6_u.u6_addr32[3];

	if (a->in6_u.u6_addr8[0] == 0xff) /* multicast */
		return 1;
	if (w0 == 0 && w1 == 0) {
		if (w2 == 0 && (w3 == 0 || w3 == bpf_htonl(1))) /* unspecified, loopback */
			return 1;
		if (w2 == bpf_htonl(0xffff)) /* IPv4-mapped: not an IPv6 node */
			return 1;
	}
	/* A subnet-router anycast source (…:0 of a prefix of ours) is accepted on
	 * purpose: RFC 4443 §2.4 e would refuse it, and then that host never
	 * learns its MTU. */
	return 0;
}

/* 0 when the packet may be answered, else the suppression counter. */
static __always_inline enum pg_counter pg_ptb_ineligible(const struct pg_pkt *pkt)
{
	if (pg_addr_is_bad_source(&pkt->ip6->saddr))
		return PG_CNT_PTB_SUPP_BAD_SOURCE;
	/* Never an error about an error (RFC 4443 §2.4 e.1), even one hidden
	 * behind more headers than the walk follows. */
	switch (pg_upper_layer_kind(pkt->l4_off, pkt->l4_proto, pkt->icmp_type)) {
	case PG_UPPER_ICMP_ERROR:
		return PG_CNT_PTB_SUPP_ICMP_ERROR;
	case PG_UPPER_UNKNOWN:
		return PG_CNT_PTB_SUPP_UNKNOWN_UPPER;
	default:
		return 0;
	}
}

/* The MTU a Packet Too Big passing through advertises, or -1 if not a PTB. */
static __always_inline long pg_ptb_advertised_mtu(void *data, void *data_end, const struct pg_pkt *pkt)
{
	struct pg_icmp6_ptb *icmp;

	if (!pkt->l4_off || pkt->l4_proto != IPPROTO_ICMPV6 || pkt->icmp_type != ICMPV6_PKT_TOOBIG)
		return -1;
	icmp = data + pkt->l4_off;
	if ((void *)(icmp + 1) > data_end)
		return -1;
	return bpf_ntohl(icmp->mtu);
}

struct pg_pseudo_hdr {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be32 len;
	__be32 nexthdr;
};

#define PG_PTB_ICMP_LEN (PG_ICMP6_HDR_LEN + PG_PTB_QUOTE_LEN) /* 1240 */
#define PG_PTB_GROW (PG_IPV6_HDR_LEN + PG_ICMP6_HDR_LEN)       /* 48 */

/*
 * The frame becomes: its own L2 header with the MACs swapped and its VLAN
 * tags kept, a new IPv6 header to the invoking source, the ICMPv6 header, and
 * the first 1232 bytes of the invoking IPv6 packet. Returns 0 on success.
 */
static __always_inline int pg_ptb_build(void *ctx, const enum pg_hook hook, const struct pg_pkt *pkt,
					const __u8 ptb_source[16], __u32 mtu)
{
	struct pg_pseudo_hdr ph = {};
	__u8 old_dst[ETH_ALEN], old_src[ETH_ALEN];
	__u32 l2_len = pkt->l2_len;
	void *data, *data_end, *l2_old, *ip;
	struct ipv6hdr *ip6;
	struct pg_icmp6_ptb *icmp;
	__u64 csum;

	if (l2_len > sizeof(struct ethhdr) + PG_MAX_VLAN_TAGS * sizeof(struct pg_vlan_hdr))
		return -1;
	__builtin_memcpy(&ph.daddr, &pkt->ip6->saddr, sizeof(ph.daddr));
	__builtin_memcpy(&ph.saddr, ptb_source, sizeof(ph.saddr));
	__builtin_memcpy(old_dst, pkt->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(old_src, pkt->eth->h_source, ETH_ALEN);

	/* Cut first: on an skb that ends GSO and drops a CHECKSUM_COMPLETE sum
	 * before anything is rewritten, and less is copied when growing. */
	if (ctx_set_len(ctx, hook, l2_len + PG_PTB_QUOTE_LEN))
		return -1;
	if (ctx_grow_head(ctx, hook, PG_PTB_GROW, l2_len == 0))
		return -1;
	if (ctx_pull(ctx, hook, l2_len + PG_IPV6_MIN_MTU))
		return -1;

	data = ctx_data(ctx, hook);
	data_end = ctx_data_end(ctx, hook);
	if (data + PG_PTB_GROW + 22 > data_end)
		return -1;
	/* The old L2 header now starts PG_PTB_GROW bytes in; bring it to the
	 * front (at most 22 bytes, so source and target never overlap). A
	 * tunnel's frame has none. */
	if (l2_len) {
		l2_old = data + PG_PTB_GROW;
		__builtin_memcpy(data, old_src, ETH_ALEN);
		__builtin_memcpy(data + ETH_ALEN, old_dst, ETH_ALEN);
		__builtin_memcpy(data + 12, l2_old + 12, 2);
		if (l2_len > 14)
			__builtin_memcpy(data + 14, l2_old + 14, 4);
		if (l2_len > 18)
			__builtin_memcpy(data + 18, l2_old + 18, 4);
	}

	ip = data + l2_len;
	if (ip + PG_IPV6_MIN_MTU > data_end)
		return -1;
	ip6 = ip;
	*(__be32 *)ip6 = bpf_htonl(0x60000000);
	ip6->payload_len = bpf_htons(PG_PTB_ICMP_LEN);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = PG_PTB_HOP_LIMIT;
	__builtin_memcpy(&ip6->saddr, &ph.saddr, 16);
	__builtin_memcpy(&ip6->daddr, &ph.daddr, 16);

	icmp = ip + sizeof(struct ipv6hdr);
	icmp->type = ICMPV6_PKT_TOOBIG;
	icmp->code = 0;
	icmp->checksum = 0;
	icmp->mtu = bpf_htonl(mtu);

	ph.len = bpf_htonl(PG_PTB_ICMP_LEN);
	ph.nexthdr = bpf_htonl(IPPROTO_ICMPV6);
	csum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	/* bpf_csum_diff takes at most 512 bytes a call: 512 + 512 + 216. */
	csum = bpf_csum_diff(0, 0, (void *)icmp, 512, csum);
	csum = bpf_csum_diff(0, 0, (void *)icmp + 512, 512, csum);
	csum = bpf_csum_diff(0, 0, (void *)icmp + 1024, PG_PTB_ICMP_LEN - 1024, csum);
	icmp->checksum = pg_csum_fold(csum);
	ctx_forget_checksum_state(ctx, hook);
	return 0;
}

#endif
