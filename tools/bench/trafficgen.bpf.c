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

#include "bench.bpf.h"

char LICENSE[] SEC("license") = "GPL";

FRAME_HEAD_MAP(trafficgen_frame);

SEC("xdp")
int trafficgen(struct xdp_md *ctx)
{
	struct frame_head *orig = frame_head_in(&trafficgen_frame);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!orig || put_frame_head_xdp(data, data_end, orig))
		return XDP_ABORTED;
	return XDP_TX;
}
