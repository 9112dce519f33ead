/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU counters per interface and per routing table: plain increments, no atomics needed. */
#ifndef PG_STATS_H
#define PG_STATS_H

#include "maps.h"

static __always_inline struct pg_counters *pg_counters_for(__u32 ifindex)
{
	return bpf_map_lookup_elem(&pg_counters, &ifindex);
}

static __always_inline void pg_count(struct pg_counters *cnt, enum pg_counter id)
{
	cnt->c[id]++;
}

/* NULL when no rule chose a table, or while its last rule is being removed. */
static __always_inline struct pg_table_counters *pg_table_counters_for(__u32 table)
{
	return table ? bpf_map_lookup_elem(&pg_table_counters, &table) : 0;
}

static __always_inline void pg_count_table(struct pg_table_counters *cnt, enum pg_table_counter id)
{
	if (cnt)
		cnt->c[id]++;
}

static __always_inline void pg_count_ptb_received(struct pg_counters *cnt, __u32 mtu)
{
	enum pg_counter bucket;

	if (mtu < PG_IPV6_MIN_MTU)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_1279;
	else if (mtu == PG_IPV6_MIN_MTU)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_1280;
	else if (mtu <= 1400)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_1400;
	else if (mtu <= 1480)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_1480;
	else if (mtu <= 1500)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_1500;
	else if (mtu <= 9000)
		bucket = PG_CNT_PTB_RECEIVED_MTU_LE_9000;
	else
		bucket = PG_CNT_PTB_RECEIVED_MTU_GT_9000;
	cnt->c[PG_CNT_PTB_RECEIVED]++;
	cnt->c[PG_CNT_PTB_RECEIVED_MTU_SUM] += mtu;
	cnt->c[bucket]++;
}

#endif
