/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sampled events for `pmtuguard events`: a ring buffer the control plane
 * drains, fed only while a per-CPU budget lasts, which the reader refills
 * (PG_EVENT_WINDOW_MS). Only the rare paths (oversize, PTB received) ask; a
 * packet that is not sampled costs one per-CPU lookup and one counter
 * increment, and never reads a clock.
 */
#ifndef PG_EVENTS_H
#define PG_EVENTS_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PG_EVENT_RING_BYTES);
} pg_events SEC(".maps");

/* Per CPU, so taking from the budget needs no atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_event_budget);
} pg_event_budget SEC(".maps");

/* A record filled while the invoking packet is still intact (building the
 * PTB overwrites its headers) and sent once the verdict is known. */
struct pg_event_draft {
	int sampled;
	struct pg_event ev;
};

static __always_inline int pg_event_take_budget(struct pg_counters *cnt)
{
	__u32 zero = 0;
	struct pg_event_budget *b = bpf_map_lookup_elem(&pg_event_budget, &zero);

	if (b && b->left) {
		b->left--;
		return 1;
	}
	pg_count(cnt, PG_CNT_EVENTS_SAMPLED_OUT);
	return 0;
}

static __always_inline void pg_event_begin(struct pg_event_draft *d, struct pg_counters *cnt, __u32 ifindex,
					   const struct pg_pkt *pkt, __u32 mtu)
{
	d->sampled = pg_event_take_budget(cnt);
	if (!d->sampled)
		return;
	__builtin_memset(&d->ev, 0, sizeof(d->ev));
	d->ev.time_ns = bpf_ktime_get_ns();
	d->ev.ifindex = ifindex;
	d->ev.vlan_id = pkt->vlan_id;
	d->ev.packet_len = pkt->ip_len;
	d->ev.mtu = mtu;
	__builtin_memcpy(d->ev.saddr, &pkt->ip6->saddr, 16);
	__builtin_memcpy(d->ev.daddr, &pkt->ip6->daddr, 16);
}

static __always_inline void pg_event_send(struct pg_event_draft *d, struct pg_counters *cnt, enum pg_event_kind kind,
					  enum pg_event_action action, enum pg_counter reason)
{
	if (!d->sampled)
		return;
	d->ev.kind = kind;
	d->ev.action = action;
	d->ev.reason = reason;
	if (bpf_ringbuf_output(&pg_events, &d->ev, sizeof(d->ev), 0))
		pg_count(cnt, PG_CNT_EVENTS_LOST);
}

/* The end of an oversize packet: counts why, samples it, returns the verdict. */
static __always_inline enum pg_verdict pg_oversize_outcome(struct pg_event_draft *d, struct pg_counters *cnt,
							   enum pg_counter why, enum pg_verdict verdict)
{
	enum pg_event_kind kind = why == PG_CNT_PTB_SENT ? PG_EVENT_PTB_SENT
				  : why == PG_CNT_PTB_SUPP_OBSERVE ? PG_EVENT_OVERSIZE_OBSERVED
								     : PG_EVENT_PTB_SUPPRESSED;
	enum pg_event_action action = verdict == PG_VERDICT_TX	   ? PG_EVENT_ACTION_ANSWERED
				      : verdict == PG_VERDICT_PASS ? PG_EVENT_ACTION_PASSED
								   : PG_EVENT_ACTION_DROPPED;

	pg_count(cnt, why);
	pg_event_send(d, cnt, kind, action, why);
	return verdict;
}

static __always_inline void pg_event_ptb_received(struct pg_counters *cnt, __u32 ifindex, const struct pg_pkt *pkt,
						  __u32 advertised_mtu)
{
	struct pg_event_draft d;

	pg_event_begin(&d, cnt, ifindex, pkt, advertised_mtu);
	pg_event_send(&d, cnt, PG_EVENT_PTB_RECEIVED, PG_EVENT_ACTION_SEEN, PG_CNT_PTB_RECEIVED);
}

#endif
