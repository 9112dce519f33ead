// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF_PROG_TEST_RUN runs a program `repeat` times on one buffer (an XDP
 * frame or an skb) and never restores it: from the second run on, a program
 * that rewrites its frame (a forwarder decrements the hop limit, pmtuguard
 * turns the frame into a PTB) would see its own output. These programs run
 * first every time, put the frame back as it was, and tail-call the program
 * under test. Every program compared on such a path runs behind the one for
 * its hook, so that cost is common to all of them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pmtuguard/abi.h"
#include "bench.bpf.h"

char LICENSE[] SEC("license") = "GPL";

FRAME_HEAD_MAP(rearm_original);

/* One per hook: a program array holds programs of one type only. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rearm_target_xdp SEC(".maps"), rearm_target_tc SEC(".maps");

/* What pmtuguard's PTB did to the frame: 48 bytes more at the front (new
 * IPv6 and ICMPv6 headers), cut to 1280 bytes of IPv6 behind the L2 header.
 * The bytes past the quote come back zeroed: nothing reads them. */
#define PTB_GROWTH (PG_IPV6_HDR_LEN + PG_ICMP6_HDR_LEN)

SEC("xdp")
int rearm_xdp(struct xdp_md *ctx)
{
	struct frame_head *orig = frame_head_in(&rearm_original);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;

	if (!orig)
		return XDP_ABORTED;
	if (len != orig->len) {
		if (bpf_xdp_adjust_head(ctx, PTB_GROWTH))
			return XDP_ABORTED;
		if (bpf_xdp_adjust_tail(ctx, (int)orig->len - (int)(len - PTB_GROWTH)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	if (put_frame_head_xdp(data, data_end, orig))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &rearm_target_xdp, 0);
	return XDP_ABORTED;
}

SEC("tc")
int rearm_tc(struct __sk_buff *skb)
{
	struct frame_head *orig = frame_head_in(&rearm_original);

	if (!orig)
		return BENCH_TC_ACT_SHOT;
	if (skb->len != orig->len) {
		/* Takes the PTB's growth back off the front, and with it the
		 * headroom the PTB used, which would otherwise run out. */
		if (bpf_skb_adjust_room(skb, -PTB_GROWTH, BPF_ADJ_ROOM_MAC, 0))
			return BENCH_TC_ACT_SHOT;
		if (bpf_skb_change_tail(skb, orig->len, 0))
			return BENCH_TC_ACT_SHOT;
	}
	if (put_frame_head_skb(skb, orig))
		return BENCH_TC_ACT_SHOT;
	bpf_tail_call(skb, &rearm_target_tc, 0);
	return BENCH_TC_ACT_SHOT;
}
