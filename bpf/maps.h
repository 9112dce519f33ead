/* SPDX-License-Identifier: GPL-2.0-only */
/* Every map of the datapath; the control plane pins them by these names. */
#ifndef PG_MAPS_H
#define PG_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "pmtuguard/abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PG_MAX_INTERFACES);
	__type(key, __u32); /* ifindex */
	__type(value, struct pg_counters);
} pg_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PG_MAX_INTERFACES * 4);
	__type(key, struct pg_iface_key);
	__type(value, struct pg_iface_cfg);
} pg_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PG_MAX_MTU_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pg_prefix_key); /* destination prefix */
	__type(value, struct pg_mtu_policy);
} pg_mtu_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_settings);
} pg_settings SEC(".maps");

/* Rate-limit state, kept apart from pg_settings so a settings update never
 * resets it: per source prefix, and the global buckets (enum
 * pg_global_bucket). The LRU is preallocated: its memory is fixed at load,
 * and a flood of spoofed sources recycles entries instead of growing it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PG_MAX_RATELIMIT_SOURCES);
	__type(key, struct pg_ratelimit_key);
	__type(value, __u64); /* GCRA theoretical arrival time, ns */
} pg_source_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PG_GLOBAL_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} pg_global_bucket SEC(".maps");

/* Egress devices XDP may redirect to: the attached interfaces. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, PG_MAX_INTERFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} pg_tx_ports SEC(".maps");

/* Source rules: the routing table a source prefix's packets are looked up in. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PG_MAX_SOURCE_RULES);
	__type(key, struct pg_rule_key);
	__type(value, struct pg_rule);
} pg_source_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_rule_lengths);
} pg_rule_lengths SEC(".maps");

/* Per routing table of a source rule; the control plane creates the entry
 * before the table's first rule and removes it after its last. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PG_MAX_TABLES);
	__type(key, __u32); /* table id */
	__type(value, struct pg_table_counters);
} pg_table_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PG_MAX_LOCAL_ADDRESSES);
	__type(key, struct pg_addr_key);
	__type(value, __u8);
} pg_local_addrs SEC(".maps");

/* Whether frames on ifindex start at the IP header (a tunnel device). Only
 * the skb path can be attached to one. */
static __always_inline int pg_iface_is_bare_ip(__u32 ifindex)
{
	struct pg_iface_key key = { .ifindex = ifindex };
	struct pg_iface_cfg *cfg = bpf_map_lookup_elem(&pg_ifaces, &key);

	return cfg && (cfg->flags & PG_IFACE_NO_LINK_HEADER);
}

#endif
