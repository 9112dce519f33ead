/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One API over the two hooks. Every function takes the context and a hook
 * constant; the entry points pass a literal, so after inlining clang keeps
 * only that hook's branch and the verifier never sees the other context type.
 */
#ifndef PG_CTX_H
#define PG_CTX_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "csum.h"

enum pg_hook {
	PG_HOOK_XDP = 0,
	PG_HOOK_TC_INGRESS = 1,
	PG_HOOK_TC_EGRESS = 2,
};

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/* What the per-packet logic decides, mapped to each hook's return codes. */
enum pg_verdict {
	PG_VERDICT_PASS,
	PG_VERDICT_DROP,
	PG_VERDICT_TX,       /* send the rewritten frame back out of the ingress device */
	PG_VERDICT_REDIRECT, /* already redirected by a helper; return its result */
};

/* The verifier accepts a context field load only at a constant offset from
 * the context pointer itself. clang likes to keep &skb->data in a register
 * across a helper call and load through it; hiding where ctx came from makes
 * it address the field afresh. */
static __always_inline void *ctx_fresh(void *ctx)
{
	asm volatile("" : "+r"(ctx));
	return ctx;
}

static __always_inline void *ctx_data(void *ctx, const enum pg_hook hook)
{
	if (hook == PG_HOOK_XDP)
		return (void *)(long)((struct xdp_md *)ctx)->data;
	return (void *)(long)((struct __sk_buff *)ctx_fresh(ctx))->data;
}

static __always_inline void *ctx_data_end(void *ctx, const enum pg_hook hook)
{
	if (hook == PG_HOOK_XDP)
		return (void *)(long)((struct xdp_md *)ctx)->data_end;
	return (void *)(long)((struct __sk_buff *)ctx_fresh(ctx))->data_end;
}

/* The device the frame arrived on (XDP, tc ingress) or leaves by (tc egress). */
static __always_inline __u32 ctx_ifindex(void *ctx, const enum pg_hook hook)
{
	if (hook == PG_HOOK_XDP)
		return ((struct xdp_md *)ctx)->ingress_ifindex;
	return ((struct __sk_buff *)ctx)->ifindex;
}

/* Full frame length, including bytes past the linear area on an skb. */
static __always_inline __u32 ctx_len(void *ctx, const enum pg_hook hook)
{
	if (hook == PG_HOOK_XDP) {
		__u64 len = ((struct xdp_md *)ctx)->data_end - ((struct xdp_md *)ctx)->data;

		/* Keep clang from folding this into later arithmetic on data_end,
		 * which the verifier refuses. */
		asm volatile("" : "+r"(len));
		return len;
	}
	return ((struct __sk_buff *)ctx)->len;
}

/* The outer VLAN id the stack has moved out of the frame into skb metadata
 * (tc always sees received tags that way), 0 when there is none. */
static __always_inline __u16 ctx_offloaded_vlan_id(void *ctx, const enum pg_hook hook)
{
	struct __sk_buff *skb = ctx;

	if (hook == PG_HOOK_XDP || !skb->vlan_present)
		return 0;
	return skb->vlan_tci & 0x0fff;
}

/* Grow the frame at the front by bytes (zeroed on an skb). On an skb with a
 * link header the network header offset stays behind; the stack resets it
 * when the frame is received or redirected. A tunnel device's skb (bare IP)
 * grows with bpf_skb_adjust_room instead, which moves the network header to
 * the new front: redirecting a frame without a link header cuts off
 * everything before its network header. */
static __always_inline int ctx_grow_head(void *ctx, const enum pg_hook hook, int bytes, int bare_ip)
{
	if (hook == PG_HOOK_XDP)
		return bpf_xdp_adjust_head(ctx, -bytes);
	if (bare_ip)
		return bpf_skb_adjust_room(ctx, bytes, BPF_ADJ_ROOM_MAC, 0);
	return bpf_skb_change_head(ctx, bytes, 0);
}

/* Cut or extend the frame to exactly len bytes. In XDP that counts any
 * fragments past the linear part (BPF_PROG_TEST_RUN hands over such frames
 * even to a program that is not frags-aware); on an skb it also linearises
 * it and ends GSO: what remains is one packet. */
static __always_inline int ctx_set_len(void *ctx, const enum pg_hook hook, __u32 len)
{
	if (hook == PG_HOOK_XDP)
		return bpf_xdp_adjust_tail(ctx, (int)len - (int)bpf_xdp_get_buff_len(ctx));
	return bpf_skb_change_tail(ctx, len, 0);
}

/* Make the first len bytes (or the whole frame, if shorter) directly
 * addressable. XDP always is; an skb may carry part of its headers outside
 * the linear area, and is pulled only then. On tc, packet pointers taken
 * before the call are invalid after it. */
static __always_inline int ctx_pull(void *ctx, const enum pg_hook hook, __u32 len)
{
	struct __sk_buff *skb = ctx_fresh(ctx);

	if (hook == PG_HOOK_XDP)
		return 0;
	if (len > skb->len)
		len = skb->len;
	if (ctx_data(ctx, hook) + len <= ctx_data_end(ctx, hook))
		return 0;
	return bpf_skb_pull_data(ctx, len);
}

/* Copies len bytes from offset off of the frame, wherever they lie. */
static __always_inline int ctx_load_bytes(void *ctx, const enum pg_hook hook, __u32 off, void *to, __u32 len)
{
	if (hook == PG_HOOK_XDP)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/* After the frame was rewritten into a new packet: a checksum the driver
 * vouched for (CHECKSUM_UNNECESSARY) described the old one, so the receiver
 * must verify ours. (A CHECKSUM_COMPLETE sum is dropped by ctx_set_len.) */
static __always_inline void ctx_forget_checksum_state(void *ctx, const enum pg_hook hook)
{
	if (hook != PG_HOOK_XDP)
		bpf_csum_level(ctx, BPF_CSUM_LEVEL_RESET);
}

/*
 * One 16-bit word of an L4 segment changed from old to new: fix the L4
 * checksum at csum_off (csum points at it, for XDP). On an skb the helper
 * does it because the skb's checksum state decides how: a CHECKSUM_PARTIAL
 * field holds only the pseudo-header sum and must stay as it is. On tc,
 * packet pointers taken before the call are invalid after it.
 */
static __always_inline int ctx_l4_csum_replace16(void *ctx, const enum pg_hook hook, __u32 csum_off, __sum16 *csum,
						 __be16 old, __be16 new)
{
	if (hook == PG_HOOK_XDP) {
		*csum = pg_csum_replace16(*csum, old, new);
		return 0;
	}
	return bpf_l4_csum_replace(ctx, csum_off, old, new, sizeof(__u16));
}

static __always_inline int ctx_verdict(void *ctx, const enum pg_hook hook, enum pg_verdict v, int redirect_rc)
{
	if (hook == PG_HOOK_XDP) {
		switch (v) {
		case PG_VERDICT_DROP: return XDP_DROP;
		case PG_VERDICT_TX: return XDP_TX;
		case PG_VERDICT_REDIRECT: return redirect_rc;
		default: return XDP_PASS;
		}
	}
	switch (v) {
	case PG_VERDICT_DROP: return TC_ACT_SHOT;
	case PG_VERDICT_TX:
		/* tc ingress: back out of the device it came in on; tc egress: into
		 * the stack, which routes the PTB to its (possibly local) source. */
		return bpf_redirect(ctx_ifindex(ctx, hook), hook == PG_HOOK_TC_EGRESS ? BPF_F_INGRESS : 0);
	case PG_VERDICT_REDIRECT: return redirect_rc;
	default: return TC_ACT_OK;
	}
}

#endif
