// SPDX-License-Identifier: GPL-2.0-only
/* TC_ACT_OK and nothing else: the floor of the tc rows of pg_bench_paths,
 * what xdp_pass is to the XDP rows. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bench.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int tc_ok(struct __sk_buff *skb)
{
	return BENCH_TC_ACT_OK;
}
