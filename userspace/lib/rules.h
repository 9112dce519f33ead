#pragma once
// Source rules as the operator manages them: checked against the kernel
// before they reach the datapath, imported from the kernel's `ip -6 rule`,
// and kept away from traffic for the router itself (its local addresses).
// The map primitives are in lib/maps.h, the netlink reads in lib/netlink.h.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/maps.h"
#include "lib/netlink.h"

namespace pmtuguard {

// A number 1..4294967295, or "main" (254) or "default" (253).
uint32_t parse_table_id(std::string_view text);

// Refuses a table the kernel does not have or that has no IPv6 route, then
// writes the table's counters before the rule, so its first packet counts.
void add_source_rule(PinnedMaps &maps, const SourceRule &rule);
// Moves an existing rule to another table in one step: no packet meets the
// rule missing, as it would between a del and an add.
void replace_source_rule(PinnedMaps &maps, const SourceRule &rule);
// Removes the rule, then the table's counters once no rule uses the table.
void del_source_rule(PinnedMaps &maps, const Ipv6Prefix &from, int ifindex);
// Removes every rule, then every table's counters. Returns how many rules.
size_t flush_source_rules(PinnedMaps &maps);

struct ImportPlan {
	std::vector<SourceRule> add;        // in the kernel's priority order
	size_t already_present = 0;         // pmtuguard has the same rule
	std::vector<std::string> skipped;   // kernel rules left out, each with why
};

// Which of the kernel's rules become pmtuguard rules. Left out: the
// built-in local/main/default rules, rules with selectors or actions beyond
// "from PREFIX [iif DEV] lookup TABLE", rules after the main table's rule
// (fallbacks in the kernel), rules shadowed by an earlier one with the same
// selector. Throws, naming both rules, where the kernel's priority order
// picks another rule than the longest source prefix (pmtuguard's order)
// would, for a different table; and where pmtuguard has the rule with
// another table. ifindex_of returns 0 for an interface that does not exist.
ImportPlan plan_import(const std::vector<KernelRule> &kernel, const std::vector<SourceRule> &existing,
		       const std::function<int(const std::string &)> &ifindex_of);

// Reads the kernel's rules, checks the tables they use, adds all or none.
ImportPlan import_kernel_rules(PinnedMaps &maps);

// Copies the kernel's local table into the datapath (attach, refresh and
// every rule change call it).
void sync_local_addresses(PinnedMaps &maps);

} // namespace pmtuguard
