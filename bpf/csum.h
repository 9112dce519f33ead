/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PG_CSUM_H
#define PG_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __always_inline __u16 pg_csum_fold(__u64 csum)
{
#pragma unroll
	for (int i = 0; i < 4; i++)
		csum = (csum & 0xffff) + (csum >> 16);
	return ~csum;
}

/* Incremental update (RFC 1624) of a folded checksum when one 16-bit word changes. */
static __always_inline __sum16 pg_csum_replace16(__sum16 check, __be16 old, __be16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u16)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

#endif
