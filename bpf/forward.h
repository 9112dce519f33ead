/* SPDX-License-Identifier: GPL-2.0-only */
/* Forwarding a packet that fits, in XDP, as the kernel would have. */
#ifndef PG_FORWARD_H
#define PG_FORWARD_H

#include "maps.h"
#include "parse.h"
#include "route.h"

/* Returns the XDP action, or -1 when the kernel must forward it instead
 * (the egress is not one we may redirect to, or the frame is tagged). */
static __always_inline int pg_forward_xdp(struct pg_pkt *pkt, struct pg_route *r)
{
	__u32 egress = r->fib.ifindex;

	if (pkt->l2_len != sizeof(struct ethhdr))
		return -1;
	if (!bpf_map_lookup_elem(&pg_tx_ports, &egress))
		return -1;
	pkt->ip6->hop_limit--;
	__builtin_memcpy(pkt->eth->h_dest, r->fib.dmac, ETH_ALEN);
	__builtin_memcpy(pkt->eth->h_source, r->fib.smac, ETH_ALEN);
	return bpf_redirect_map(&pg_tx_ports, egress, 0);
}

#endif
