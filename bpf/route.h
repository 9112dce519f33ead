/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a packet goes and the MTU that applies there: the routing table its
 * source rule chooses (or the kernel's own rules), bpf_fib_lookup with the
 * full IPv6 length, then the operator's policy for the destination prefix,
 * never below the IPv6 minimum.
 */
#ifndef PG_ROUTE_H
#define PG_ROUTE_H

#include "maps.h"
#include "consts.h"
#include "parse.h"

struct pg_route {
	__u32 table; /* chosen by a source rule; 0: the kernel's rules decide */
	int fib_rc;
	__u32 mtu; /* the MTU that applies; 0 when the packet fits */
	struct bpf_fib_lookup fib;
};

/* Packets the router must not route from the fast path: multicast, link-local
 * and loopback destinations, link-local sources (the kernel answers those). */
static __always_inline int pg_is_routable(const struct ipv6hdr *ip6)
{
	const __u8 *d = ip6->daddr.in6_u.u6_addr8, *s = ip6->saddr.in6_u.u6_addr8;
	__u32 dw0 = ip6->daddr.in6_u.u6_addr32[0], dw1 = ip6->daddr.in6_u.u6_addr32[1];
	__u32 dw2 = ip6->daddr.in6_u.u6_addr32[2], dw3 = ip6->daddr.in6_u.u6_addr32[3];

	if (d[0] == 0xff)
		return 0;
	if (d[0] == 0xfe && (d[1] & 0xc0) == 0x80)
		return 0;
	if (s[0] == 0xfe && (s[1] & 0xc0) == 0x80)
		return 0;
	if (dw0 == 0 && dw1 == 0 && dw2 == 0 && (dw3 == 0 || dw3 == bpf_htonl(1)))
		return 0;
	return 1;
}

/* bpf_fib_lookup answers NOT_FWDED for a multicast, link-local or loopback
 * source (rt6_need_strict) before it looks at any route. The kernel never
 * forwards such a packet, but an oversize one must still be found oversize,
 * to be counted as a PTB withheld for its source; so the lookup goes without
 * a source, which only source rules would need. */
static __always_inline int pg_fib_refuses_source(const struct in6_addr *a)
{
	const __u8 *b = a->in6_u.u6_addr8;

	if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
		return 1;
	return a->in6_u.u6_addr32[0] == 0 && a->in6_u.u6_addr32[1] == 0 && a->in6_u.u6_addr32[2] == 0 &&
	       a->in6_u.u6_addr32[3] == bpf_htonl(1);
}

static __always_inline __u32 pg_policy_mtu(const struct in6_addr *dst)
{
	struct pg_prefix_key key = { .prefixlen = 128 };
	struct pg_mtu_policy *policy;

	__builtin_memcpy(key.addr, dst, sizeof(key.addr));
	policy = bpf_map_lookup_elem(&pg_mtu_policy, &key);
	return policy ? policy->mtu : 0;
}

/* A packet's search for its source rule, one prefix length per step. */
struct pg_rule_search {
	struct pg_rule_lengths left; /* lengths not tried yet */
	struct pg_rule_key key;
	__u32 src[4];
	__u32 ingress_ifindex;
	__u32 table; /* the answer, 0: no rule */
};

/* x != 0 */
static __always_inline __u32 pg_highest_bit(__u64 x)
{
	__u32 n = 0;

	if (x >> 32) {
		n += 32;
		x >>= 32;
	}
	if (x >> 16) {
		n += 16;
		x >>= 16;
	}
	if (x >> 8) {
		n += 8;
		x >>= 8;
	}
	if (x >> 4) {
		n += 4;
		x >>= 4;
	}
	if (x >> 2) {
		n += 2;
		x >>= 2;
	}
	return n + (__u32)(x >> 1);
}

/* The longest length left among the bits of one word (base: its first
 * length): scoped rule first, then unscoped. 1 when a rule was found. */
static __always_inline long pg_try_longest_in(struct pg_rule_search *s, __u64 *scoped, __u64 *unscoped, __u32 base)
{
	__u32 bit_index = pg_highest_bit(*scoped | *unscoped), len = base + bit_index;
	__u64 bit = 1ULL << bit_index;
	struct pg_rule *rule;

#pragma unroll
	for (int w = 0; w < 4; w++) {
		__s32 bits = (__s32)len - 32 * w;
		__u32 mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : ~0u << (32 - bits);

		((__u32 *)s->key.addr)[w] = s->src[w] & bpf_htonl(mask);
	}
	s->key.prefixlen = len;
	if (*scoped & bit) {
		s->key.ifindex = s->ingress_ifindex;
		rule = bpf_map_lookup_elem(&pg_source_rules, &s->key);
		if (rule) {
			s->table = rule->table;
			return 1;
		}
	}
	if (*unscoped & bit) {
		s->key.ifindex = 0;
		rule = bpf_map_lookup_elem(&pg_source_rules, &s->key);
		if (rule) {
			s->table = rule->table;
			return 1;
		}
	}
	*scoped &= ~bit;
	*unscoped &= ~bit;
	return 0;
}

/* A bpf_loop step; returning 1 ends the loop. */
static long pg_try_longest_length(__u32 step, void *ctx)
{
	struct pg_rule_search *s = ctx;

	if (s->left.scoped[2] | s->left.unscoped[2])
		return pg_try_longest_in(s, &s->left.scoped[2], &s->left.unscoped[2], 128);
	if (s->left.scoped[1] | s->left.unscoped[1])
		return pg_try_longest_in(s, &s->left.scoped[1], &s->left.unscoped[1], 64);
	if (s->left.scoped[0] | s->left.unscoped[0])
		return pg_try_longest_in(s, &s->left.scoped[0], &s->left.unscoped[0], 0);
	return 1;
}

/*
 * The table of the source rule for packets from src (the four words of the
 * address, network order), 0 when none matches: the longest source prefix
 * among the rules scoped to the ingress device and the unscoped ones, the
 * scoped one on equal length. A global function, so the verifier checks it
 * once rather than on every path of pg_process() that reaches it.
 */
__attribute__((noinline)) __u32 pg_source_table(__u32 src0, __u32 src1, __u32 src2, __u32 src3,
						 __u32 ingress_ifindex)
{
	__u32 zero = 0;
	struct pg_rule_lengths *in_use = bpf_map_lookup_elem(&pg_rule_lengths, &zero);
	struct pg_rule_search s;

	if (!in_use)
		return 0;
	s.left = *in_use;
	if (!(s.left.unscoped[0] | s.left.unscoped[1] | s.left.unscoped[2] | s.left.scoped[0] | s.left.scoped[1] |
	      s.left.scoped[2]))
		return 0;
	s.src[0] = src0;
	s.src[1] = src1;
	s.src[2] = src2;
	s.src[3] = src3;
	s.ingress_ifindex = ingress_ifindex;
	s.table = 0;
	bpf_loop(129, pg_try_longest_length, &s, 0);
	return s.table;
}

/* In the kernel the local table's rule comes first, whatever the source:
 * traffic for the router itself is never routed by a source rule. */
static __always_inline int pg_is_local_destination(const struct in6_addr *dst)
{
	return bpf_map_lookup_elem(&pg_local_addrs, dst) != 0;
}

/* Never below the IPv6 minimum; 0 stays 0 (unknown). */
static __always_inline __u32 pg_mtu_floor(__u32 mtu)
{
	return mtu && mtu < PG_IPV6_MIN_MTU ? PG_IPV6_MIN_MTU : mtu;
}

/* r->mtu is the route's MTU when the packet exceeds it, else 0: lower it to
 * the operator's policy for the destination, never below the IPv6 minimum,
 * and leave 0 when the packet fits after all. */
static __always_inline void pg_apply_policy(const struct pg_pkt *pkt, struct pg_route *r)
{
	/* Nothing up to the IPv6 minimum can be too big, so small packets skip
	 * the policy lookup. */
	if (pkt->ip_len > PG_IPV6_MIN_MTU) {
		__u32 policy = pg_policy_mtu(&pkt->ip6->daddr);

		if (policy && policy < pkt->ip_len && (r->mtu == 0 || policy < r->mtu))
			r->mtu = policy;
	}
	r->mtu = pg_mtu_floor(r->mtu);
	if (r->mtu >= pkt->ip_len)
		r->mtu = 0;
}

/* With r->table set, the lookup is in that table alone (DIRECT|TBID): no
 * kernel rule is consulted, and no other table is fallen back to. */
static __always_inline void pg_route(void *ctx, struct pg_pkt *pkt, __u32 fib_ifindex, struct pg_route *r)
{
	struct bpf_fib_lookup *fib = &r->fib;
	struct ipv6hdr *ip6 = pkt->ip6;
	__u32 flags = 0;

	fib->family = AF_INET6;
	fib->l4_protocol = pkt->l4_proto;
	/* The whole IPv6 packet, header included: with only the payload length,
	 * packets up to 40 bytes over the MTU would pass the check. */
	fib->tot_len = pkt->ip_len;
	fib->ifindex = fib_ifindex;
	fib->flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0FFFFFFF);
	if (!pg_fib_refuses_source(&ip6->saddr))
		__builtin_memcpy(fib->ipv6_src, &ip6->saddr, 16);
	__builtin_memcpy(fib->ipv6_dst, &ip6->daddr, 16);
	if (r->table) {
		fib->tbid = r->table; /* shares a union with the VLAN output fields */
		flags = BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID;
	}

	r->fib_rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), flags);
	r->mtu = 0;
	if (r->fib_rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		r->mtu = fib->mtu_result;
	else if (r->fib_rc != BPF_FIB_LKUP_RET_SUCCESS && r->fib_rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return;
	pg_apply_policy(pkt, r);
}

/* The MTU of a device, 0 if there is no such device. */
static __always_inline __u32 pg_device_mtu(void *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	if (bpf_check_mtu(ctx, ifindex, &mtu, 0, 0) < 0)
		return 0;
	return mtu;
}

/* tc egress: the kernel has routed the packet to this device already, so
 * what applies is the device's MTU, lowered by the policy. */
static __always_inline void pg_route_egress(void *ctx, struct pg_pkt *pkt, __u32 ifindex, struct pg_route *r)
{
	__u32 mtu = pg_device_mtu(ctx, 0);

	r->fib_rc = BPF_FIB_LKUP_RET_SUCCESS;
	r->fib.ifindex = ifindex;
	r->mtu = mtu && pkt->ip_len > mtu ? mtu : 0;
	pg_apply_policy(pkt, r);
}

/* The MTU toward dst for a packet leaving by egress_ifindex: the device's,
 * lowered by the policy. 0 when the device is gone. */
static __always_inline __u32 pg_mtu_via(void *ctx, __u32 egress_ifindex, const struct in6_addr *dst)
{
	__u32 mtu = pg_device_mtu(ctx, egress_ifindex), policy = pg_policy_mtu(dst);

	if (policy && policy < mtu)
		mtu = policy;
	return pg_mtu_floor(mtu);
}

/* The MTU of the kernel's route toward dst (asked about the largest packet
 * there is, bpf_fib_lookup reports the MTU it compared with). 0 when there
 * is no route to dst. */
static __always_inline __u32 pg_route_mtu(void *ctx, const struct in6_addr *src, const struct in6_addr *dst,
					  __u32 ifindex)
{
	struct bpf_fib_lookup fib = {
		.family = AF_INET6,
		.tot_len = 0xffff,
		.ifindex = ifindex,
	};

	__builtin_memcpy(fib.ipv6_src, src, 16);
	__builtin_memcpy(fib.ipv6_dst, dst, 16);
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return 0;
	return fib.mtu_result;
}

/* The route's MTU toward dst lowered by the policy. 0 when there is no
 * route to dst. */
static __always_inline __u32 pg_mtu_toward(void *ctx, const struct in6_addr *src, const struct in6_addr *dst,
					   __u32 ifindex)
{
	__u32 mtu = pg_route_mtu(ctx, src, dst, ifindex), policy;

	if (!mtu)
		return 0;
	policy = pg_policy_mtu(dst);
	if (policy && policy < mtu)
		mtu = policy;
	return pg_mtu_floor(mtu);
}

#endif
