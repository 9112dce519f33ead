/* SPDX-License-Identifier: GPL-2.0-only */
/* Ethernet, up to two VLAN tags, IPv6 and a bounded extension-header walk. */
#ifndef PG_PARSE_H
#define PG_PARSE_H

#include "ctx.h"
#include "consts.h"

struct pg_pkt {
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	__u32 l2_len;      /* Ethernet header plus tags: where IPv6 starts */
	__u32 ip_len;      /* payload length + 40: the IPv6 packet as the sender sized it;
			    * for a GSO skb, its largest segment (pg_skb_wire_len) */
	__u32 l4_off;      /* upper-layer header offset from the frame start, 0 if not reached */
	__u16 vlan_id;     /* outer tag, 0 when untagged */
	__u8 l4_proto;     /* next header after the extension headers; Fragment for a later fragment */
	__u8 icmp_type;    /* valid when l4_proto is ICMPv6 and l4_off != 0 */
};

/* The link-layer header with every tag parsed, and the IPv6 header: what
 * must be directly addressable for a frame to be parsed at all. */
#define PG_PARSE_MIN_LINEAR \
	(sizeof(struct ethhdr) + PG_MAX_VLAN_TAGS * sizeof(struct pg_vlan_hdr) + sizeof(struct ipv6hdr))

enum pg_parse_result {
	PG_PARSE_IPV6,
	PG_PARSE_NOT_IPV6,
	PG_PARSE_MALFORMED,
};

static __always_inline int pg_parse_l2(void *data, void *data_end, struct pg_pkt *pkt, __u16 *proto)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return PG_PARSE_NOT_IPV6;
	pkt->eth = eth;
	pkt->l2_len = sizeof(*eth);
	*proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < PG_MAX_VLAN_TAGS; i++) {
		struct pg_vlan_hdr *vh;

		if (*proto != bpf_htons(ETH_P_8021Q) && *proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + pkt->l2_len;
		if ((void *)(vh + 1) > data_end)
			return PG_PARSE_NOT_IPV6;
		/* A tag the stack already took out of the frame is the outer one. */
		if (i == 0 && !pkt->vlan_id)
			pkt->vlan_id = bpf_ntohs(vh->tci) & 0x0fff;
		*proto = vh->encap_proto;
		pkt->l2_len += sizeof(*vh);
	}
	return PG_PARSE_IPV6;
}

/*
 * Walks hop-by-hop, routing, fragment, destination options and AH headers.
 * A chain longer than the bound, or a later fragment, leaves the upper layer
 * unknown (l4_off = 0); the packet is still routable, like in the kernel.
 * A later fragment sets l4_proto to Fragment, telling the two apart: only
 * the first can hide an ICMPv6 error from the walk (the kernel's walk has
 * no bound). See pg_upper_layer_kind().
 */
static __always_inline void pg_walk_ext_headers(void *data, void *data_end, struct pg_pkt *pkt)
{
	__u8 nexthdr = pkt->ip6->nexthdr;
	__u32 off = pkt->l2_len + sizeof(struct ipv6hdr);

#pragma unroll
	for (int i = 0; i < PG_MAX_EXT_HEADERS; i++) {
		__u8 *hdr;
		__u32 len;

		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING && nexthdr != IPPROTO_FRAGMENT &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_AH)
			goto upper_layer;
		if (off > PG_MAX_EXT_OFFSET)
			return;
		hdr = data + off;
		if ((void *)(hdr + 8) > data_end)
			return;
		if (nexthdr == IPPROTO_FRAGMENT) {
			/* Only the first fragment carries the upper-layer header. */
			if ((*(__be16 *)(hdr + 2) & bpf_htons(0xfff8)) != 0) {
				pkt->l4_proto = IPPROTO_FRAGMENT;
				return;
			}
			len = 8;
		} else if (nexthdr == IPPROTO_AH) {
			len = ((__u32)hdr[1] + 2) * 4;
		} else {
			len = ((__u32)hdr[1] + 1) * 8;
		}
		nexthdr = hdr[0];
		off += len;
	}
	if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_FRAGMENT ||
	    nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH)
		return;
upper_layer:
	if (off > PG_MAX_EXT_OFFSET)
		return;
	pkt->l4_proto = nexthdr;
	pkt->l4_off = off;
	if (nexthdr == IPPROTO_ICMPV6) {
		__u8 *icmp = data + off;

		if ((void *)(icmp + 1) > data_end) {
			pkt->l4_off = 0;
			return;
		}
		pkt->icmp_type = icmp[0];
	}
}

enum pg_upper_layer_kind {
	PG_UPPER_OTHER,
	PG_UPPER_ICMP_ERROR,
	PG_UPPER_UNKNOWN, /* the walk stopped short of it: it may be an ICMPv6 error */
};

/*
 * What the walk found, as the PTB decision needs it. A later fragment's
 * upper layer is in its first fragment, so it is no error message here.
 * A global function, verified once on its own with the fields as plain
 * numbers: inline, the branches on l4_proto make the verifier explore all
 * that follows once per outcome, close to its limit of a million
 * instructions.
 */
__noinline int pg_upper_layer_kind(__u32 l4_off, __u32 l4_proto, __u32 icmp_type)
{
	if (!l4_off)
		return l4_proto == IPPROTO_FRAGMENT ? PG_UPPER_OTHER : PG_UPPER_UNKNOWN;
	if (l4_proto == IPPROTO_ICMPV6 && !(icmp_type & ICMPV6_INFOMSG_MASK))
		return PG_UPPER_ICMP_ERROR;
	return PG_UPPER_OTHER;
}

/* A tunnel device's frame is the bare IP packet (l2_len 0): IPv4 or IPv6,
 * told apart by the version, as the tunnel itself does. eth then points at
 * the frame start and means nothing. */
static __always_inline int pg_parse_bare_ip(void *data, void *data_end, struct pg_pkt *pkt)
{
	__u8 *version = data;

	if ((void *)(version + 1) > data_end || (*version >> 4) != 6)
		return PG_PARSE_NOT_IPV6;
	pkt->eth = data;
	pkt->l2_len = 0;
	return PG_PARSE_IPV6;
}

static __always_inline int pg_parse(void *data, void *data_end, __u32 frame_len, int bare_ip, struct pg_pkt *pkt)
{
	__u16 proto = 0;
	int rc;

	if (bare_ip) {
		rc = pg_parse_bare_ip(data, data_end, pkt);
		if (rc != PG_PARSE_IPV6)
			return rc;
	} else {
		rc = pg_parse_l2(data, data_end, pkt, &proto);
		if (rc != PG_PARSE_IPV6)
			return rc;
		if (proto != bpf_htons(ETH_P_IPV6))
			return PG_PARSE_NOT_IPV6;
	}

	pkt->ip6 = data + pkt->l2_len;
	if ((void *)(pkt->ip6 + 1) > data_end)
		return PG_PARSE_MALFORMED;
	if ((pkt->ip6->version) != 6)
		return PG_PARSE_MALFORMED;
	/* Jumbograms (payload length 0) and frames shorter than the IPv6 length
	 * say are the kernel's to judge. frame_len, not data_end: on an skb the
	 * packet may go on past the linear area. */
	pkt->ip_len = bpf_ntohs(pkt->ip6->payload_len) + sizeof(struct ipv6hdr);
	if (pkt->ip_len == sizeof(struct ipv6hdr) && pkt->ip6->nexthdr == IPPROTO_HOPOPTS)
		return PG_PARSE_MALFORMED;
	if (pkt->l2_len + pkt->ip_len > frame_len)
		return PG_PARSE_MALFORMED;

	pg_walk_ext_headers(data, data_end, pkt);
	return PG_PARSE_IPV6;
}

/*
 * The largest IPv6 packet an skb puts on the wire, given its IPv6 length
 * ip_len. A GSO skb goes out as segments of gso_size payload bytes, each
 * behind a copy of the headers up to the end of TCP or UDP, so a segment is
 * what must fit (the kernel's skb_gso_network_seglen), not the skb. 0 when
 * the segment size cannot be told (another upper layer, or its header
 * outside the linear area).
 *
 * A global function, checked once by the verifier: inlined, its outcomes
 * would multiply the paths through the rest of pg_process().
 */
__noinline __u32 pg_skb_wire_len(struct __sk_buff *skb, __u32 l2_len, __u32 l4_off, __u32 l4_proto, __u32 ip_len)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	__u32 gso_size = skb->gso_size, l4_hdr_len, segment_len;

	if (!gso_size)
		return ip_len;
	if (!l4_off || l4_off < l2_len)
		return 0;
	if (l4_proto == IPPROTO_TCP) {
		struct tcphdr *th = data + (l4_off & 0x7ff);

		if ((void *)(th + 1) > data_end)
			return 0;
		l4_hdr_len = th->doff * 4;
	} else if (l4_proto == IPPROTO_UDP) {
		l4_hdr_len = sizeof(struct udphdr);
	} else {
		return 0;
	}
	segment_len = l4_off - l2_len + l4_hdr_len + gso_size;
	return segment_len < ip_len ? segment_len : ip_len;
}

/* Takes the header pointers again after a helper that may have moved the
 * frame; -1 when the headers are no longer directly addressable. */
static __always_inline int pg_pkt_reload(void *ctx, const enum pg_hook hook, struct pg_pkt *pkt)
{
	void *data = ctx_data(ctx, hook);
	void *data_end = ctx_data_end(ctx, hook);
	struct ipv6hdr *ip6 = data + (pkt->l2_len & 0x3f);

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	pkt->eth = data;
	pkt->ip6 = ip6;
	return 0;
}

#endif
