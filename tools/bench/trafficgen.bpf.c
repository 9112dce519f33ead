// SPDX-License-Identifier: GPL-2.0-only
/*
 * The traffic generator's program. BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs it on copies of one frame "arriving" on
 * the ingress device named in the context; XDP_TX sends each copy out of that
 * device, to its veth peer.
 *
 * The copies live in pages that go round: the router may rewrite a frame
 * in place (pmtuguard's PTB, the reflector's swap) before its page comes
 * back, and live-frames mode restores a frame's bounds but not its bytes. So
 * the frame's first bytes are written again every time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "frame_head.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frame_head);
} trafficgen_frame SEC(".maps");

SEC("xdp")
int trafficgen(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct frame_head *orig = bpf_map_lookup_elem(&trafficgen_frame, &zero);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!orig || data + FRAME_HEAD_LEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, orig->bytes, FRAME_HEAD_LEN);
	return XDP_TX;
}
