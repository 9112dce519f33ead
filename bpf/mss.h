/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP MSS clamping, as iptables' TCPMSS --clamp-mss-to-pmtu does it: a SYN or
 * SYN-ACK crossing the router has its MSS option lowered to the path MTU
 * minus 60 (IPv6 and TCP headers). The path MTU is the smaller of the MTU
 * toward the segment's destination (its egress device's, its route's when
 * lower, as a locked route's is, and the policy's) and the MTU back toward
 * its sender: the MSS a SYN-ACK carries sizes the data flowing the other
 * way, so a bottleneck behind the router must shrink it too. With both clamped, a
 * connection never needs a Packet Too Big, which is what a path that drops
 * ICMPv6 needs.
 *
 * A SYN without the option is left as it is: its peer then assumes 1220
 * (RFC 9293 §3.7.1), which fits every IPv6 path.
 */
#ifndef PG_MSS_H
#define PG_MSS_H

#include "ctx.h"
#include "consts.h"
#include "parse.h"
#include "route.h"
#include "stats.h"

#define PG_TCPOPT_EOL 0
#define PG_TCPOPT_NOP 1
#define PG_TCPOPT_MSS 2
#define PG_TCPOLEN_MSS 4
#define PG_TCP_HDR_LEN 20
#define PG_TCP_MAX_OPTIONS_LEN 40
#define PG_MSS_OVERHEAD (PG_IPV6_HDR_LEN + PG_TCP_HDR_LEN)
/* Header offsets never exceed PG_MAX_EXT_OFFSET plus a TCP header; masking
 * them keeps that bound where the verifier can see it. */
#define PG_MSS_OFFSET_MASK 0x7ff

/*
 * Where the MSS value starts in a TCP header's options (copied to the
 * zero-filled options[], options_len of them valid): its offset from the
 * first option, or -1 when there is no MSS option or the options are
 * malformed (a length below 2 or running past the header, an MSS option not
 * 4 long): what cannot be parsed is not rewritten.
 *
 * The walk visits every position with a constant index and acts only where
 * the next option starts; a data-dependent index would give the verifier a
 * path per option layout, too many to check.
 */
static __always_inline int pg_mss_value_offset(const __u8 options[PG_TCP_MAX_OPTIONS_LEN], __u32 options_len)
{
	__u32 next = 0;

#pragma unroll
	for (__u32 at = 0; at < PG_TCP_MAX_OPTIONS_LEN; at++) {
		__u8 kind, len;

		if (at != next)
			continue;
		kind = options[at];
		if (kind == PG_TCPOPT_EOL) /* also what follows options_len */
			return -1;
		if (kind == PG_TCPOPT_NOP) {
			next = at + 1;
			continue;
		}
		if (at + 1 >= PG_TCP_MAX_OPTIONS_LEN)
			return -1;
		len = options[at + 1];
		if (len < 2 || at + len > options_len)
			return -1;
		if (kind == PG_TCPOPT_MSS)
			return len == PG_TCPOLEN_MSS ? (int)at + 2 : -1;
		next = at + len;
	}
	return -1;
}

/* The smaller of two MTUs where 0 means unknown. */
static __always_inline __u32 pg_mss_min_mtu(__u32 a, __u32 b)
{
	if (!a || (b && b < a))
		return b;
	return a;
}

/* Clamps the MSS of a TCP SYN or SYN-ACK leaving by egress_ifindex: 1 when
 * it was lowered, 0 when not, -1 when the skb could not be pulled. */
static __always_inline int pg_mss_clamp_packet(void *ctx, const enum pg_hook hook, __u32 l2_len, __u32 l4_off,
					       __u32 egress_ifindex)
{
	__u32 options_len, mss_off, mss_value, mtu, ceiling;
	void *data, *data_end;
	struct ipv6hdr *ip6;
	struct tcphdr *th;
	__be16 *mss, old_mss, new_mss;
	__sum16 *check;
	int at;

	l4_off &= PG_MSS_OFFSET_MASK;
	/* Data segments cost a bounds check; only a SYN is pulled further. */
	if (ctx_pull(ctx, hook, l4_off + PG_TCP_HDR_LEN))
		return -1;
	data = ctx_data(ctx, hook);
	data_end = ctx_data_end(ctx, hook);
	ip6 = data + (l2_len & PG_MSS_OFFSET_MASK);
	th = data + l4_off;
	if ((void *)(ip6 + 1) > data_end || (void *)(th + 1) > data_end || !th->syn || th->rst)
		return 0;
	options_len = th->doff * 4 - PG_TCP_HDR_LEN;
	if (options_len == 0 || options_len > PG_TCP_MAX_OPTIONS_LEN)
		return 0;
	{
		/* Scoped, so its stack slots serve the route lookups below. */
		__u8 options[PG_TCP_MAX_OPTIONS_LEN] = {};

		if (ctx_load_bytes(ctx, hook, l4_off + PG_TCP_HDR_LEN, options, options_len))
			return 0;
		at = pg_mss_value_offset(options, options_len);
		if (at < 0)
			return 0;
		mss_value = (__u32)options[at] << 8 | options[at + 1];
	}

	/* The way there: the egress device and the policy (pg_mtu_via), and the
	 * route's own MTU, which may be locked lower. */
	mtu = pg_mss_min_mtu(pg_mtu_via(ctx, egress_ifindex, &ip6->daddr),
			     pg_route_mtu(ctx, &ip6->saddr, &ip6->daddr, egress_ifindex));
	mtu = pg_mss_min_mtu(mtu, pg_mtu_toward(ctx, &ip6->daddr, &ip6->saddr, egress_ifindex));
	if (!mtu)
		return 0;
	ceiling = mtu - PG_MSS_OVERHEAD;
	if (mss_value <= ceiling)
		return 0;

	/* Rewritten in place: on an skb, the header must be linear for that. */
	mss_off = l4_off + PG_TCP_HDR_LEN + at;
	if (ctx_pull(ctx, hook, mss_off + sizeof(*mss)))
		return -1;
	data = ctx_data(ctx, hook);
	data_end = ctx_data_end(ctx, hook);
	mss = data + (mss_off & PG_MSS_OFFSET_MASK);
	check = data + l4_off + offsetof(struct tcphdr, check);
	if ((void *)(mss + 1) > data_end || (void *)(check + 1) > data_end)
		return 0;
	old_mss = *mss;
	new_mss = bpf_htons(ceiling);
	*mss = new_mss;
	/* The checksum adds up 16-bit words from the TCP header's start; a value
	 * at an odd offset straddles two of them and counts byte-swapped. */
	if (at & 1) {
		old_mss = __builtin_bswap16(old_mss);
		new_mss = __builtin_bswap16(new_mss);
	}
	ctx_l4_csum_replace16(ctx, hook, l4_off + offsetof(struct tcphdr, check), check, old_mss, new_mss);
	return 1;
}

/*
 * Global functions, one per context type, so the verifier checks the clamp
 * once on its own: inlined, its paths would be carried through the rest of
 * pg_process() and multiply the work past the verifier's budget.
 */
__noinline int pg_mss_clamp_xdp(struct xdp_md *ctx, __u32 l2_len, __u32 l4_off, __u32 egress_ifindex)
{
	return pg_mss_clamp_packet(ctx, PG_HOOK_XDP, l2_len, l4_off, egress_ifindex);
}

__noinline int pg_mss_clamp_skb(struct __sk_buff *ctx, __u32 l2_len, __u32 l4_off, __u32 egress_ifindex)
{
	return pg_mss_clamp_packet(ctx, PG_HOOK_TC_INGRESS, l2_len, l4_off, egress_ifindex);
}

/*
 * The MSS clamp for pg_process(): counts a clamp. Returns 0 with the
 * packet's header pointers taken again (the skb may have moved), -1 when
 * they could not be.
 */
static __always_inline int pg_mss_clamp(void *ctx, const enum pg_hook hook, struct pg_pkt *pkt, __u32 egress_ifindex,
					struct pg_counters *cnt)
{
	int rc;

	if (!pkt->l4_off || pkt->l4_proto != IPPROTO_TCP)
		return 0;
	if (hook == PG_HOOK_XDP)
		rc = pg_mss_clamp_xdp(ctx, pkt->l2_len, pkt->l4_off, egress_ifindex);
	else
		rc = pg_mss_clamp_skb(ctx, pkt->l2_len, pkt->l4_off, egress_ifindex);
	if (rc > 0)
		pg_count(cnt, PG_CNT_MSS_CLAMPED);
	/* XDP moves nothing; an skb may have been pulled. */
	if (hook == PG_HOOK_XDP)
		return 0;
	if (rc < 0)
		return -1;
	return pg_pkt_reload(ctx, hook, pkt);
}

#endif
