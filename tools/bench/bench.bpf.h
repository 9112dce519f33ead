/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmarks' BPF programs share: the frame head the benchmark hands
 * them in a one-slot array, and putting it back over a frame that an earlier
 * run rewrote.
 */
#ifndef PG_BENCH_BPF_H
#define PG_BENCH_BPF_H

#include "frame_head.h"

/* From linux/pkt_cls.h, which vmlinux.h lacks. */
#define BENCH_TC_ACT_OK 0
#define BENCH_TC_ACT_SHOT 2

#define FRAME_HEAD_MAP(name)                                                                                           \
	struct {                                                                                                       \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                                                      \
		__uint(max_entries, 1);                                                                                \
		__type(key, __u32);                                                                                    \
		__type(value, struct frame_head);                                                                      \
	} name SEC(".maps")

static __always_inline struct frame_head *frame_head_in(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/* 0 when the XDP frame from data to data_end starts with head's bytes again.
 * (Pointers, not the xdp_md: clang 14 may read ctx->data_end through a
 * modified ctx pointer, which the verifier refuses.) */
static __always_inline int put_frame_head_xdp(void *data, void *data_end, const struct frame_head *head)
{
	if (data + FRAME_HEAD_LEN > data_end)
		return -1;
	__builtin_memcpy(data, head->bytes, FRAME_HEAD_LEN);
	return 0;
}

static __always_inline int put_frame_head_skb(struct __sk_buff *skb, const struct frame_head *head)
{
	return bpf_skb_store_bytes(skb, 0, head->bytes, FRAME_HEAD_LEN, 0);
}

#endif
