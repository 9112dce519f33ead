/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PTB rate limits: a bucket per source prefix and one global cap, both as
 * GCRA (a token bucket stored as one timestamp), so an update is a single
 * compare-and-swap and needs no lock shared across CPUs.
 */
#ifndef PG_RATELIMIT_H
#define PG_RATELIMIT_H

#include "maps.h"

#define PG_NSEC_PER_SEC 1000000000ULL

static __always_inline int pg_gcra_allow(__u64 *tat, __u64 now, __u32 rate, __u32 burst)
{
	__u64 interval, tolerance;

	if (rate == 0)
		return 1;
	interval = PG_NSEC_PER_SEC / rate;
	tolerance = interval * (burst > 1 ? burst - 1 : 0);

#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u64 old = *(volatile __u64 *)tat;
		__u64 start = old > now ? old : now;

		if (start - now > tolerance)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, start + interval) == old)
			return 1;
	}
	return 0; /* lost the race four times: the bucket is hot, suppress */
}

static __always_inline void pg_mask_prefix(const struct in6_addr *addr, __u32 prefix_len, struct pg_ratelimit_key *key)
{
	__u32 *out = (__u32 *)key->prefix;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		int bits = (int)prefix_len - 32 * i;
		__u32 mask = bits >= 32 ? 0xffffffffU : bits <= 0 ? 0 : bpf_htonl(~0U << (32 - bits));

		out[i] = addr->in6_u.u6_addr32[i] & mask;
	}
}

/* Returns 0 when the PTB may go out, else the counter that says why not.
 * The per-source bucket comes first, so a source over its own limit never
 * spends the global budget; the global cap reserves half for sources seen
 * before (abi.h, pg_settings). */
static __always_inline enum pg_counter pg_ratelimit_check(const struct in6_addr *source)
{
	__u32 slot = 0; /* in pg_settings, then in pg_global_bucket: one stack slot */
	struct pg_settings *s = bpf_map_lookup_elem(&pg_settings, &slot);
	__u64 now, *tat;
	int new_source = 0; /* without per-source buckets, no source is told apart as new */

	/* With both limits off the precise clock, a third of this path's cost,
	 * is not read at all. */
	if (!s || !(s->source_rate | s->global_rate))
		return 0;
	now = bpf_ktime_get_ns();

	if (s->source_rate) {
		struct pg_ratelimit_key key;

		pg_mask_prefix(source, s->source_prefix_len, &key);
		tat = bpf_map_lookup_elem(&pg_source_buckets, &key);
		if (tat) {
			if (!pg_gcra_allow(tat, now, s->source_rate, s->source_burst))
				return PG_CNT_PTB_SUPP_RATE_LIMIT;
		} else {
			__u64 first = now + PG_NSEC_PER_SEC / s->source_rate;

			bpf_map_update_elem(&pg_source_buckets, &key, &first, BPF_NOEXIST);
			new_source = 1;
		}
	}

	if (s->global_rate) {
		if (new_source) {
			slot = PG_GLOBAL_BUCKET_NEW_SOURCE;
			tat = bpf_map_lookup_elem(&pg_global_bucket, &slot);
			if (tat && !pg_gcra_allow(tat, now, s->global_rate > 1 ? s->global_rate / 2 : 1, s->global_burst))
				return PG_CNT_PTB_SUPP_GLOBAL_LIMIT;
		}
		slot = PG_GLOBAL_BUCKET_ALL;
		tat = bpf_map_lookup_elem(&pg_global_bucket, &slot);
		if (tat && !pg_gcra_allow(tat, now, s->global_rate, s->global_burst))
			return PG_CNT_PTB_SUPP_GLOBAL_LIMIT;
	}
	return 0;
}

#endif
