/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Everything the BPF programs and the control plane share: counter ids and
 * names, map keys and values, limits. One definition for both sides; BPF
 * code gets the __u32 family from vmlinux.h, userspace from linux/types.h.
 */
#ifndef PMTUGUARD_ABI_H
#define PMTUGUARD_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PG_IPV6_MIN_MTU 1280
#define PG_IPV6_HDR_LEN 40
#define PG_ICMP6_HDR_LEN 8
/* A PTB never exceeds the minimum MTU (RFC 4443 §3.2), and the invoking
 * packet is always bigger than that, so the quote is always this long. */
#define PG_PTB_QUOTE_LEN (PG_IPV6_MIN_MTU - PG_IPV6_HDR_LEN - PG_ICMP6_HDR_LEN)

#define PG_MAX_INTERFACES 256
#define PG_MAX_MTU_POLICIES 65536
#define PG_MAX_SOURCE_RULES 131072
#define PG_MAX_TABLES 1024
/* Rate-limit buckets: a preallocated LRU, so a spoofed flood recycles
 * entries instead of growing memory: 5.5 MiB (bpftool's bytes_memlock on
 * kernel 6.18, 88 B an entry), the same after 100,000 spoofed sources
 * (tests/e2e/test_hostile_flood.sh). 65,536 source prefixes outnumber the
 * hosts that meet a smaller MTU at once on a busy router; beyond that an
 * entry is evicted, which only gives its prefix a fresh burst, and new
 * prefixes share at most half the global cap (bpf/ratelimit.h). */
#define PG_MAX_RATELIMIT_SOURCES 65536
#define PG_EVENT_RING_BYTES (256 * 1024)

/*
 * Per-interface counters. The verdict counters partition every frame seen:
 *   rx_packets = forwarded_packets + sum(passed_*) + sum(dropped_*) + oversize_packets
 *   oversize_packets = ptb_sent + sum(ptb_suppressed_*)
 * X(id, name, help) - the name is the key in `stats -j` and the Prometheus
 * family/label; help is the human explanation.
 */
#define PG_COUNTER_LIST(X)                                                                        \
	X(RX_PACKETS, "rx_packets", "frames seen by the program")                                 \
	X(IPV6_PACKETS, "ipv6_packets", "IPv6 packets seen")                                      \
	X(FORWARDED, "forwarded_packets", "packets forwarded by pmtuguard itself")                \
	X(PASS_NOT_IPV6, "passed_not_ipv6", "not IPv6: handed to the kernel untouched")           \
	X(PASS_MALFORMED, "passed_malformed", "truncated or inconsistent IPv6: left to the kernel") \
	X(PASS_NOT_FORWARDED, "passed_not_forwarded",                                             \
	  "for this host, link-local, multicast or loopback: not ours to route")                  \
	X(PASS_HOP_LIMIT, "passed_hop_limit", "hop limit <= 1: the kernel sends Time Exceeded")   \
	X(PASS_NO_ROUTE, "passed_no_route", "no usable route: the kernel answers")                \
	X(PASS_NO_NEIGHBOUR, "passed_no_neighbour", "next hop not resolved yet: the kernel resolves it") \
	X(PASS_NOT_REDIRECTABLE, "passed_not_redirectable",                                       \
	  "egress not attached or frame tagged: the kernel forwards it")                          \
	X(PASS_OBSERVE, "passed_observe", "fits, but the interface is in observe mode")           \
	X(PASS_UNCONFIGURED, "passed_unconfigured", "VLAN or interface without configuration")    \
	X(PASS_EGRESS, "passed_egress", "tc egress: fits, leaves as the kernel sent it")          \
	X(PASS_GSO_UNSIZED, "passed_gso_unsized",                                                 \
	  "GSO packet whose segment size is unknown (not TCP or UDP): the kernel judges it")      \
	X(DROP_NO_TABLE_ROUTE, "dropped_no_table_route",                                          \
	  "a source rule chose a table without a route for the destination: dropped, never routed elsewhere") \
	X(DROP_NO_HANDOFF, "dropped_no_handoff",                                                  \
	  "rule-matched packet XDP could not hand to its tc program (no metadata room): dropped")  \
	X(OVERSIZE, "oversize_packets", "packets larger than the MTU that applies")               \
	X(PTB_SENT, "ptb_sent", "Packet Too Big messages sent")                                   \
	X(PTB_SUPP_RATE_LIMIT, "ptb_suppressed_rate_limit", "PTB withheld: per-source rate limit") \
	X(PTB_SUPP_GLOBAL_LIMIT, "ptb_suppressed_global_limit", "PTB withheld: global rate cap")  \
	X(PTB_SUPP_ICMP_ERROR, "ptb_suppressed_icmp_error", "PTB withheld: invoking packet is an ICMPv6 error") \
	X(PTB_SUPP_UNKNOWN_UPPER, "ptb_suppressed_unknown_upper_layer",                           \
	  "PTB withheld: more extension headers than pmtuguard walks (8, or past 1 KiB), so it may be an ICMPv6 error") \
	X(PTB_SUPP_BAD_SOURCE, "ptb_suppressed_bad_source",                                       \
	  "PTB withheld: source unspecified, multicast, loopback or v4-mapped")                   \
	X(PTB_SUPP_OBSERVE, "ptb_suppressed_observe", "PTB withheld: observe mode, packet passed to the kernel") \
	X(PTB_SUPP_NO_ADDRESS, "ptb_suppressed_no_address",                                       \
	  "PTB withheld: no global address on the ingress interface, packet passed to the kernel (dropped if a source rule routed it)") \
	X(PTB_SUPP_BUILD_ERROR, "ptb_suppressed_build_error", "PTB withheld: the frame could not be rebuilt") \
	X(PTB_RECEIVED, "ptb_received", "Packet Too Big messages arriving at the interface")      \
	X(PTB_RECEIVED_MTU_SUM, "ptb_received_mtu_sum", "sum of the MTUs those PTBs advertised")  \
	X(PTB_RECEIVED_MTU_LE_1279, "ptb_received_mtu_le_1279", "advertised MTU below the IPv6 minimum") \
	X(PTB_RECEIVED_MTU_LE_1280, "ptb_received_mtu_le_1280", "advertised MTU 1280")            \
	X(PTB_RECEIVED_MTU_LE_1400, "ptb_received_mtu_le_1400", "advertised MTU 1281..1400")      \
	X(PTB_RECEIVED_MTU_LE_1480, "ptb_received_mtu_le_1480", "advertised MTU 1401..1480")      \
	X(PTB_RECEIVED_MTU_LE_1500, "ptb_received_mtu_le_1500", "advertised MTU 1481..1500")      \
	X(PTB_RECEIVED_MTU_LE_9000, "ptb_received_mtu_le_9000", "advertised MTU 1501..9000")      \
	X(PTB_RECEIVED_MTU_GT_9000, "ptb_received_mtu_gt_9000", "advertised MTU above 9000")      \
	X(MSS_CLAMPED, "mss_clamped", "TCP SYN or SYN-ACK whose MSS option was lowered")          \
	X(EVENTS_SAMPLED_OUT, "events_sampled_out", "events not recorded: no reader, or this CPU's budget spent") \
	X(EVENTS_LOST, "events_lost", "events dropped: the event ring was full (no reader, or a slow one)")

enum pg_counter {
#define PG_COUNTER_ENUM(id, name, help) PG_CNT_##id,
	PG_COUNTER_LIST(PG_COUNTER_ENUM)
#undef PG_COUNTER_ENUM
	PG_CNT_MAX
};

struct pg_counters {
	__u64 c[PG_CNT_MAX];
};

/* Interface configuration, keyed by the attached ifindex and the outer VLAN
 * id of the frame (0: untagged). VLAN sub-interfaces get entries of their
 * own so a tagged frame is routed and answered as its sub-interface. */
struct pg_iface_key {
	__u32 ifindex;
	__u16 vlan_id;
	__u16 pad;
};

enum pg_iface_flags {
	PG_IFACE_OBSERVE = 1 << 0,   /* count, never emit, pass everything to the kernel */
	PG_IFACE_HAS_SOURCE = 1 << 1, /* ptb_source holds a usable global address */
	PG_IFACE_CLAMP_MSS = 1 << 2,
	/* Frames start at the IP header (tun, WireGuard, ip6tnl, sit): tc only. */
	PG_IFACE_NO_LINK_HEADER = 1 << 3,
};

enum pg_attach_mode {
	PG_MODE_NATIVE = 1,
	PG_MODE_GENERIC = 2,
	PG_MODE_TC = 3,
};

struct pg_iface_cfg {
	__u32 fib_ifindex; /* the device whose routing context the frame belongs to */
	__u32 flags;       /* enum pg_iface_flags */
	__u32 mode;        /* enum pg_attach_mode, for status only */
	__u32 pad;
	__u8 ptb_source[16]; /* our address on that link: the PTB's IPv6 source */
};

struct pg_prefix_key {
	__u32 prefixlen; /* LPM trie convention: bits that count */
	__u8 addr[16];
};

struct pg_mtu_policy {
	__u32 mtu;
};

/*
 * Source rules: the routing table for packets from a source prefix, or only
 * for those arriving on one interface. The longest source prefix wins; on
 * equal length the rule scoped to the interface does, being the more
 * specific. The match is one exact lookup per prefix length in use, longest
 * first, so its cost follows the number of distinct lengths, not of rules
 * (an LPM trie costs 1.7 times more per forwarded packet at 100,000 rules
 * than at one: tools/bench/README.md).
 */
struct pg_rule_key {
	__u32 ifindex;   /* ingress device for a scoped rule, 0: any interface */
	__u32 prefixlen; /* of the source prefix, 0..128 */
	__u8 addr[16];   /* the source prefix, host bits zero */
};

struct pg_rule {
	__u32 table;
};

/* The prefix lengths rules use, bit L of word L / 64, apart for scoped and
 * unscoped rules. The control plane sets a bit after the first rule of its
 * length is in, and clears it once no rule has the length: each update
 * changes bits whose rules are absent, so a packet reading the words while
 * they change finds every rule it could have found before or after. */
#define PG_RULE_LENGTH_WORDS 3

struct pg_rule_lengths {
	__u64 unscoped[PG_RULE_LENGTH_WORDS];
	__u64 scoped[PG_RULE_LENGTH_WORDS];
};

/* Per routing table; matched = forwarded + oversize + no_route + the rest
 * (for this host, observe mode). X(id, name, help): the name is the
 * Prometheus label result="..." and the key in `stats -j`. */
#define PG_TABLE_COUNTER_LIST(X)                                                                  \
	X(MATCHED, "matched", "packets whose source rule chose this table")                       \
	X(FORWARDED, "forwarded", "forwarded in this table (XDP redirect, or tc bpf_redirect_neigh)") \
	X(OVERSIZE, "oversize", "larger than the MTU of this table's egress")                     \
	X(NO_ROUTE, "no_route", "no route in this table: dropped")

enum pg_table_counter {
#define PG_TABLE_COUNTER_ENUM(id, name, help) PG_TCNT_##id,
	PG_TABLE_COUNTER_LIST(PG_TABLE_COUNTER_ENUM)
#undef PG_TABLE_COUNTER_ENUM
	PG_TCNT_MAX
};

struct pg_table_counters {
	__u64 c[PG_TCNT_MAX];
};

/* The router's own addresses (its local table): a rule-matched packet for
 * one of them is delivered, as the kernel's priority-0 local rule does. */
#define PG_MAX_LOCAL_ADDRESSES 4096

struct pg_addr_key {
	__u8 addr[16];
};

/* What XDP leaves in the metadata of a rule-routed packet it hands to the tc
 * program pmtuguard_tc_handoff (bpf/forward.h). */
#define PG_HANDOFF_MAGIC 0x70677274 /* "pgrt" */

struct pg_handoff {
	__u32 magic;
	__u32 table;
	__u32 egress_ifindex;
	__u8 nexthop[16]; /* the gateway, or the destination when on-link */
};

/* Rate limits, as generic cell-rate (GCRA) parameters: one PTB per
 * interval_ns sustained, bursts of up to `burst` at once. rate 0 = off.
 *
 * The global cap is shared, so a flood of spoofed sources could spend it all
 * and starve a real host. Source prefixes without a bucket (never answered,
 * or pushed out of the LRU by a flood) may take at most half the global rate
 * between them; the rest stays for prefixes that have a bucket. A real host
 * whose first oversize packet went unanswered has a bucket from then on, and
 * its next one (a retransmission) is answered even under such a flood. */
struct pg_settings {
	__u32 source_prefix_len;  /* sources are grouped into prefixes of this length */
	__u32 source_rate;        /* PTB/s per source prefix, 0: unlimited */
	__u32 source_burst;
	__u32 global_rate;        /* PTB/s for the whole router, 0: unlimited */
	__u32 global_burst;
	__u32 pad;
};

#define PG_DEFAULT_SOURCE_PREFIX_LEN 64
#define PG_DEFAULT_SOURCE_RATE 100
#define PG_DEFAULT_SOURCE_BURST 50
#define PG_DEFAULT_GLOBAL_RATE 20000
#define PG_DEFAULT_GLOBAL_BURST 2000

enum pg_global_bucket {
	PG_GLOBAL_BUCKET_ALL = 0,       /* every PTB: global_rate */
	PG_GLOBAL_BUCKET_NEW_SOURCE = 1, /* PTBs to prefixes without a bucket: global_rate / 2 */
	PG_GLOBAL_BUCKETS
};

struct pg_ratelimit_key {
	__u8 prefix[16]; /* source masked to source_prefix_len */
};

/* Sampled events (bpf/events.h, `pmtuguard events`). Each CPU records what
 * its budget allows; a reader tops every CPU's budget up to PG_EVENT_BUDGET
 * each PG_EVENT_WINDOW_MS (100 events/s per CPU) and nobody else does, so
 * with no reader nothing is recorded and no packet reads a clock. What is not
 * recorded is counted (events_sampled_out, events_lost). */
#define PG_EVENT_BUDGET 10
#define PG_EVENT_WINDOW_MS 100

struct pg_event_budget {
	__u32 left; /* events this CPU may still record */
	__u32 pad;  /* a per-CPU value is an 8-byte slot in the syscall buffer */
};

enum pg_event_kind {
	PG_EVENT_PTB_SENT = 1,
	PG_EVENT_OVERSIZE_OBSERVED = 2, /* observe mode: too big, passed to the kernel */
	PG_EVENT_PTB_SUPPRESSED = 3,
	PG_EVENT_PTB_RECEIVED = 4,
};

enum pg_event_action {
	PG_EVENT_ACTION_SEEN = 0,     /* counted; processing goes on (PTB received) */
	PG_EVENT_ACTION_PASSED = 1,   /* handed to the kernel */
	PG_EVENT_ACTION_DROPPED = 2,  /* dropped, no PTB */
	PG_EVENT_ACTION_ANSWERED = 3, /* dropped and answered with a PTB */
};

struct pg_event {
	__u64 time_ns;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;    /* the attached interface the packet arrived on */
	__u16 vlan_id;    /* outer tag, 0: untagged */
	__u8 kind;        /* enum pg_event_kind */
	__u8 action;      /* enum pg_event_action */
	__u32 reason;     /* enum pg_counter: the counter this outcome incremented */
	__u32 packet_len; /* IPv6 length of the packet (payload + 40) */
	__u32 mtu;        /* the MTU that applied, or the one a received PTB advertises */
	__u32 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

#endif /* PMTUGUARD_ABI_H */
