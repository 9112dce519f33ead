/* SPDX-License-Identifier: GPL-2.0-only */
/* Forwarding a packet that fits, as the kernel would have: in XDP, or from tc
 * with bpf_redirect_neigh for packets a source rule routed. */
#ifndef PG_FORWARD_H
#define PG_FORWARD_H

#include "maps.h"
#include "parse.h"
#include "route.h"
#include "stats.h"

/* Returns the XDP action, or -1 when the kernel must forward it instead
 * (the egress is not one we may redirect to, or the frame is tagged). */
static __always_inline int pg_forward_xdp(struct pg_pkt *pkt, struct pg_route *r)
{
	__u32 egress = r->fib.ifindex;

	if (pkt->l2_len != sizeof(struct ethhdr))
		return -1;
	if (!bpf_map_lookup_elem(&pg_tx_ports, &egress))
		return -1;
	pkt->ip6->hop_limit--;
	__builtin_memcpy(pkt->eth->h_dest, r->fib.dmac, ETH_ALEN);
	__builtin_memcpy(pkt->eth->h_source, r->fib.smac, ETH_ALEN);
	return bpf_redirect_map(&pg_tx_ports, egress, 0);
}

/* tc ingress sends a packet itself only to an attached interface and only
 * when untagged, as XDP does; everything else the kernel forwards. */
static __always_inline int pg_tc_may_forward(const struct pg_pkt *pkt, __u32 egress)
{
	struct pg_iface_key key = { .ifindex = egress };

	if (pkt->l2_len != sizeof(struct ethhdr) || pkt->vlan_id)
		return 0;
	return bpf_map_lookup_elem(&pg_ifaces, &key) != 0;
}

/*
 * A packet routed by a source rule that XDP cannot send itself (the next hop
 * is not resolved, the egress is not ours to redirect to, the frame is
 * tagged) must not reach the kernel's routing, which would use its own rules.
 * XDP writes where it goes into the packet's metadata and passes it; the tc
 * ingress program pmtuguard_tc_handoff sends it with bpf_redirect_neigh,
 * which resolves the neighbour as the kernel would.
 */
/* 0 on success; the caller returns XDP_PASS. */
static __always_inline int pg_hand_to_tc(struct xdp_md *ctx, const struct pg_route *r)
{
	struct pg_handoff *h;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h)))
		return -1;
	h = (void *)(long)ctx->data_meta;
	if ((void *)(h + 1) > (void *)(long)ctx->data)
		return -1;
	h->magic = PG_HANDOFF_MAGIC;
	h->table = r->table;
	h->egress_ifindex = r->fib.ifindex;
	__builtin_memcpy(h->nexthop, r->fib.ipv6_dst, 16);
	return 0;
}

/* From tc: hop limit down by one, then out of egress to nexthop (the fib
 * lookup leaves the gateway, or the destination itself when on-link, in
 * ipv6_dst). Returns TC_ACT_REDIRECT. */
static __always_inline int pg_forward_neigh(struct ipv6hdr *ip6, __u32 egress, const __u8 *nexthop)
{
	/* Filled field by field: an initializer would become a .rodata map,
	 * which the control plane cannot pin and reuse. */
	struct bpf_redir_neigh nh;

	ip6->hop_limit--;
	nh.nh_family = AF_INET6;
	__builtin_memcpy(nh.ipv6_nh, nexthop, 16);
	return bpf_redirect_neigh(egress, &nh, sizeof(nh), 0);
}

/* The tc side of the handoff: packets without the mark are not ours. */
static __always_inline int pg_take_handoff(struct __sk_buff *skb)
{
	struct pg_handoff h, *meta = (void *)(long)skb->data_meta;
	__u32 headers = sizeof(struct ethhdr) + PG_MAX_VLAN_TAGS * sizeof(struct pg_vlan_hdr) + sizeof(struct ipv6hdr);
	struct pg_table_counters *tcnt;
	struct pg_pkt pkt = {};

	if ((void *)(meta + 1) > (void *)(long)skb->data || meta->magic != PG_HANDOFF_MAGIC)
		return TC_ACT_OK;
	h = *meta;
	tcnt = pg_table_counters_for(h.table);
	/* The headers up to IPv6 must be in the linear area to be written. The
	 * stack has taken an outer VLAN tag out of the frame by now. */
	if (bpf_skb_pull_data(skb, headers < skb->len ? headers : skb->len) ||
	    pg_parse(ctx_data(skb, PG_HOOK_TC_INGRESS), ctx_data_end(skb, PG_HOOK_TC_INGRESS), skb->len, 0, &pkt) !=
		    PG_PARSE_IPV6) {
		pg_count_table(tcnt, PG_TCNT_NO_ROUTE);
		return TC_ACT_SHOT;
	}
	pg_count_table(tcnt, PG_TCNT_FORWARDED);
	return pg_forward_neigh(pkt.ip6, h.egress_ifindex, h.nexthop);
}

#endif
