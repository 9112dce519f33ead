// SPDX-License-Identifier: GPL-2.0-only
/* XDP_PASS and nothing else: the lab puts it on the far veth ends, because a
 * veth delivers XDP_TX and redirected frames only to a peer running XDP. It is
 * also the benchmarks' floor. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
