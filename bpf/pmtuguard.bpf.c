// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmtuguard datapath. One function, pg_process(), holds the per-packet logic
 * for every hook; the entry points at the bottom only name their hook.
 *
 *   parse -> routable? -> hop limit -> source rule's table -> route + MTU
 *       -> fits: forward (XDP, or tc for a rule's table), or pass
 *       -> too big: PTB or suppress
 *       -> no route in the rule's table: drop
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ctx.h"
#include "consts.h"
#include "maps.h"
#include "stats.h"
#include "parse.h"
#include "route.h"
#include "ratelimit.h"
#include "ptb.h"
#include "forward.h"
#include "mss.h"
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline enum pg_verdict pg_answer_oversize(void *ctx, const enum pg_hook hook, struct pg_counters *cnt,
							   const struct pg_iface_cfg *cfg, struct pg_pkt *pkt,
							   __u32 mtu, __u32 table)
{
	struct pg_event_draft ev;
	enum pg_counter why;

	pg_count(cnt, PG_CNT_OVERSIZE);
	pg_event_begin(&ev, cnt, ctx_ifindex(ctx, hook), pkt, mtu);
	if (cfg->flags & PG_IFACE_OBSERVE)
		return pg_oversize_outcome(&ev, cnt, PG_CNT_PTB_SUPP_OBSERVE, PG_VERDICT_PASS);
	why = pg_ptb_ineligible(pkt);
	if (why)
		return pg_oversize_outcome(&ev, cnt, why, PG_VERDICT_DROP);
	/* Better the kernel's PTB from whatever address it picks than none; but
	 * a packet a source rule routed would be routed by the kernel's rules. */
	if (!(cfg->flags & PG_IFACE_HAS_SOURCE))
		return pg_oversize_outcome(&ev, cnt, PG_CNT_PTB_SUPP_NO_ADDRESS,
					   table ? PG_VERDICT_DROP : PG_VERDICT_PASS);
	why = pg_ratelimit_check(&pkt->ip6->saddr);
	if (why)
		return pg_oversize_outcome(&ev, cnt, why, PG_VERDICT_DROP);
	if (pg_ptb_build(ctx, hook, pkt, cfg->ptb_source, mtu))
		return pg_oversize_outcome(&ev, cnt, PG_CNT_PTB_SUPP_BUILD_ERROR, PG_VERDICT_DROP);
	return pg_oversize_outcome(&ev, cnt, PG_CNT_PTB_SENT, PG_VERDICT_TX);
}

static __always_inline int pg_process(void *ctx, const enum pg_hook hook)
{
	__u32 ifindex = ctx_ifindex(ctx, hook);
	void *data, *data_end;
	struct pg_counters *cnt = pg_counters_for(ifindex);
	struct pg_iface_key key = { .ifindex = ifindex };
	struct pg_iface_cfg *cfg;
	struct pg_table_counters *tcnt;
	struct pg_pkt pkt = {};
	struct pg_route r = {};
	enum pg_counter passed;
	long advertised;
	int rc;

	if (!cnt)
		return ctx_verdict(ctx, hook, PG_VERDICT_PASS, 0);
	pg_count(cnt, PG_CNT_RX_PACKETS);

	/* If the pull fails, parsing finds too little and passes the frame. */
	ctx_pull(ctx, hook, PG_PARSE_MIN_LINEAR);
	data = ctx_data(ctx, hook);
	data_end = ctx_data_end(ctx, hook);
	pkt.vlan_id = ctx_offloaded_vlan_id(ctx, hook);
	rc = pg_parse(data, data_end, ctx_len(ctx, hook), hook != PG_HOOK_XDP && pg_iface_is_bare_ip(ifindex), &pkt);
	if (rc == PG_PARSE_NOT_IPV6) {
		passed = PG_CNT_PASS_NOT_IPV6;
		goto pass;
	}
	pg_count(cnt, PG_CNT_IPV6_PACKETS);
	if (rc == PG_PARSE_MALFORMED) {
		passed = PG_CNT_PASS_MALFORMED;
		goto pass;
	}

	/* On egress a PTB is leaving, not arriving. */
	advertised = hook == PG_HOOK_TC_EGRESS ? -1 : pg_ptb_advertised_mtu(data, data_end, &pkt);
	if (advertised >= 0) {
		pg_count_ptb_received(cnt, advertised);
		pg_event_ptb_received(cnt, ifindex, &pkt, advertised);
	}

	key.vlan_id = pkt.vlan_id;
	cfg = bpf_map_lookup_elem(&pg_ifaces, &key);
	if (!cfg) {
		passed = PG_CNT_PASS_UNCONFIGURED;
		goto pass;
	}
	if (!pg_is_routable(pkt.ip6)) {
		passed = PG_CNT_PASS_NOT_FORWARDED;
		goto pass;
	}
	/* Before the MTU: the kernel sends Time Exceeded ahead of Packet Too Big.
	 * On egress the hop was counted already, or the packet is our own. */
	if (hook != PG_HOOK_TC_EGRESS && pkt.ip6->hop_limit <= 1) {
		passed = PG_CNT_PASS_HOP_LIMIT;
		goto pass;
	}
	if (hook != PG_HOOK_XDP) {
		pkt.ip_len = pg_skb_wire_len(ctx, pkt.l2_len, pkt.l4_off, pkt.l4_proto, pkt.ip_len);
		if (!pkt.ip_len) {
			passed = PG_CNT_PASS_GSO_UNSIZED;
			goto pass;
		}
	}

	/* On egress the kernel has routed the packet already. Sources the router
	 * never forwards for are left to the kernel, which drops them. */
	if (hook != PG_HOOK_TC_EGRESS && !pg_addr_is_bad_source(&pkt.ip6->saddr))
		r.table = pg_source_table(pkt.ip6->saddr.in6_u.u6_addr32[0], pkt.ip6->saddr.in6_u.u6_addr32[1],
					  pkt.ip6->saddr.in6_u.u6_addr32[2], pkt.ip6->saddr.in6_u.u6_addr32[3],
					  cfg->fib_ifindex);
	tcnt = pg_table_counters_for(r.table);
	pg_count_table(tcnt, PG_TCNT_MATCHED);
	if (r.table && pg_is_local_destination(&pkt.ip6->daddr)) {
		passed = PG_CNT_PASS_NOT_FORWARDED;
		goto pass;
	}

	if (hook == PG_HOOK_TC_EGRESS)
		pg_route_egress(ctx, &pkt, ifindex, &r);
	else
		pg_route(ctx, &pkt, cfg->fib_ifindex, &r);
	if (r.mtu) {
		pg_count_table(tcnt, PG_TCNT_OVERSIZE);
		return ctx_verdict(ctx, hook, pg_answer_oversize(ctx, hook, cnt, cfg, &pkt, r.mtu, r.table), 0);
	}

	/* Every segment that leaves, whether pmtuguard or the kernel sends it. */
	if ((cfg->flags & PG_IFACE_CLAMP_MSS) && !(cfg->flags & PG_IFACE_OBSERVE) &&
	    (r.fib_rc == BPF_FIB_LKUP_RET_SUCCESS || r.fib_rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    pg_mss_clamp(ctx, hook, &pkt, r.fib.ifindex, cnt)) {
		passed = PG_CNT_PASS_MALFORMED; /* its headers could not be made addressable */
		goto pass;
	}
	if (hook == PG_HOOK_TC_EGRESS) {
		passed = PG_CNT_PASS_EGRESS;
		goto pass;
	}

	switch (r.fib_rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		if (r.table)
			break; /* sent from tc, where the kernel resolves it */
		passed = PG_CNT_PASS_NO_NEIGHBOUR;
		goto pass;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		/* In a rule's table this is also "no route": the kernel's rules
		 * would fall through to another table. */
		if (r.table)
			goto no_route_in_table;
		passed = PG_CNT_PASS_NOT_FORWARDED;
		goto pass;
	default:
		if (r.table)
			goto no_route_in_table;
		passed = PG_CNT_PASS_NO_ROUTE;
		goto pass;
	}
	if (cfg->flags & PG_IFACE_OBSERVE) {
		passed = PG_CNT_PASS_OBSERVE;
		goto pass;
	}
	if (pg_addr_is_bad_source(&pkt.ip6->saddr)) {
		passed = PG_CNT_PASS_NOT_FORWARDED;
		goto pass;
	}
	if (hook == PG_HOOK_XDP) {
		if (r.fib_rc == BPF_FIB_LKUP_RET_SUCCESS) {
			rc = pg_forward_xdp(&pkt, &r);
			if (rc >= 0) {
				pg_count(cnt, PG_CNT_FORWARDED);
				pg_count_table(tcnt, PG_TCNT_FORWARDED);
				return rc;
			}
		}
		if (r.table) {
			if (pg_hand_to_tc(ctx, &r)) {
				pg_count(cnt, PG_CNT_DROP_NO_HANDOFF);
				return XDP_DROP;
			}
			passed = r.fib_rc == BPF_FIB_LKUP_RET_NO_NEIGH ? PG_CNT_PASS_NO_NEIGHBOUR
								       : PG_CNT_PASS_NOT_REDIRECTABLE;
			goto pass;
		}
	} else if ((r.table && pkt.l2_len) ||
		   (r.fib_rc == BPF_FIB_LKUP_RET_SUCCESS && pg_tc_may_forward(&pkt, r.fib.ifindex))) {
		/* bpf_redirect_neigh needs a link header to replace: a tunnel's
		 * packet goes to the kernel, source rule or not. */
		pg_count(cnt, PG_CNT_FORWARDED);
		pg_count_table(tcnt, PG_TCNT_FORWARDED);
		return pg_forward_neigh(pkt.ip6, r.fib.ifindex, (const __u8 *)r.fib.ipv6_dst);
	}
	passed = PG_CNT_PASS_NOT_REDIRECTABLE;
pass:
	pg_count(cnt, passed);
	return ctx_verdict(ctx, hook, PG_VERDICT_PASS, 0);
no_route_in_table:
	pg_count(cnt, PG_CNT_DROP_NO_TABLE_ROUTE);
	pg_count_table(tcnt, PG_TCNT_NO_ROUTE);
	return ctx_verdict(ctx, hook, PG_VERDICT_DROP, 0);
}

SEC("xdp")
int pmtuguard_xdp(struct xdp_md *ctx)
{
	return pg_process(ctx, PG_HOOK_XDP);
}

SEC("tc")
int pmtuguard_tc_ingress(struct __sk_buff *skb)
{
	return pg_process(skb, PG_HOOK_TC_INGRESS);
}

SEC("tc")
int pmtuguard_tc_egress(struct __sk_buff *skb)
{
	return pg_process(skb, PG_HOOK_TC_EGRESS);
}

/* Next to the XDP program: sends what it handed over (forward.h). */
SEC("tc")
int pmtuguard_tc_handoff(struct __sk_buff *skb)
{
	return pg_take_handoff(skb);
}
