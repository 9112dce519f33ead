// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF_PROG_TEST_RUN runs a program `repeat` times on one buffer and never
 * restores it: from the second run on, a program that rewrites its frame
 * (a forwarder decrements the hop limit, pmtuguard turns the frame into a
 * PTB) would see its own output. This program runs first every time, puts
 * the frame back as it was, and tail-calls the program under test. Every
 * program compared on such a path runs behind it, so its cost is common.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pmtuguard/abi.h"
#include "frame_head.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frame_head);
} rearm_original SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rearm_target SEC(".maps");

/* What pmtuguard's PTB did to the frame: 48 bytes more at the front (new
 * IPv6 and ICMPv6 headers), cut to 1280 bytes of IPv6 behind the L2 header. */
#define PTB_GROWTH (PG_IPV6_HDR_LEN + PG_ICMP6_HDR_LEN)

SEC("xdp")
int rearm(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct frame_head *orig = bpf_map_lookup_elem(&rearm_original, &zero);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;

	if (!orig)
		return XDP_ABORTED;
	if (len != orig->len) {
		if (bpf_xdp_adjust_head(ctx, PTB_GROWTH))
			return XDP_ABORTED;
		/* The bytes past the quote come back zeroed: nothing reads them. */
		if (bpf_xdp_adjust_tail(ctx, (int)orig->len - (int)(len - PTB_GROWTH)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	if (data + FRAME_HEAD_LEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, orig->bytes, FRAME_HEAD_LEN);
	bpf_tail_call(ctx, &rearm_target, 0);
	return XDP_ABORTED;
}
