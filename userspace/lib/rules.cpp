#include "lib/rules.h"

#include <linux/rtnetlink.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "lib/error.h"

namespace pmtuguard {
namespace {

void require_table_with_routes(uint32_t table)
{
	if (!table_has_routes(table))
		throw Error("routing table " + std::to_string(table) +
			    " has no IPv6 route (or does not exist): add its routes before rules that use it");
}

// Counters of tables no rule uses any more go; the datapath counts nothing
// for a table it finds no entry for, so the order against rule changes is free.
void drop_unused_table_counters(PinnedMaps &maps)
{
	std::set<uint32_t> used;
	for (const auto &r : maps.rules())
		used.insert(r.table);
	for (uint32_t table : maps.counted_tables())
		if (!used.count(table))
			maps.del_table_counters(table);
}

bool has_table_counters(const PinnedMaps &maps, uint32_t table)
{
	auto tables = maps.counted_tables();
	return std::find(tables.begin(), tables.end(), table) != tables.end();
}

Ipv6Address masked(const Ipv6Address &addr, unsigned len)
{
	Ipv6Address out{};
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		out[i] = static_cast<uint8_t>(addr[i] & (0xff00 >> bits));
	}
	return out;
}

std::string prefix_group(const Ipv6Address &addr, unsigned len)
{
	Ipv6Address m = masked(addr, len);
	return std::string(m.begin(), m.end()) + static_cast<char>(len);
}

struct Candidate {
	uint32_t priority;
	std::string text; // as `ip -6 rule` would show it
	SourceRule rule;
};

std::string describe(const KernelRule &k)
{
	return "pref " + std::to_string(k.priority) + " from " + (k.from.len ? k.from.str() : std::string("all")) +
	       (k.iif.empty() ? "" : " iif " + k.iif) + " lookup " + std::to_string(k.table);
}

bool is_builtin(const KernelRule &k)
{
	return k.unsupported.empty() && k.from.len == 0 && k.iif.empty() &&
	       (k.table == RT_TABLE_LOCAL || k.table == RT_TABLE_MAIN || k.table == RT_TABLE_DEFAULT);
}

// For packets both rules can match, the kernel takes the one it consults
// first and pmtuguard the longer prefix (the scoped one on a tie). Where
// they differ and the tables differ, importing would change routing.
void check_same_choice(const std::vector<Candidate> &rules)
{
	std::unordered_map<std::string, std::vector<size_t>> by_prefix;
	std::set<unsigned> lengths;
	for (size_t i = 0; i < rules.size(); i++) {
		const auto &from = rules[i].rule.from;
		by_prefix[prefix_group(from.addr, from.len)].push_back(i);
		lengths.insert(from.len);
	}
	for (const auto &b : rules) {
		for (unsigned len : lengths) {
			if (len > b.rule.from.len)
				break;
			auto it = by_prefix.find(prefix_group(b.rule.from.addr, len));
			if (it == by_prefix.end())
				continue;
			for (size_t ai : it->second) {
				const auto &a = rules[ai];
				if (&a == &b || a.rule.table == b.rule.table)
					continue;
				if (a.rule.ifindex && b.rule.ifindex && a.rule.ifindex != b.rule.ifindex)
					continue; // never the same packet
				// a's prefix covers b's; b is pmtuguard's choice unless
				// they are equally long and only a is scoped.
				bool a_wins_here = a.rule.from.len == b.rule.from.len && a.rule.ifindex && !b.rule.ifindex;
				bool a_first_in_kernel = a.priority < b.priority;
				if (a_wins_here != a_first_in_kernel) {
					const auto &first = a_first_in_kernel ? a : b;
					const auto &second = a_first_in_kernel ? b : a;
					throw Error("cannot import: the kernel consults '" + first.text + "' before '" + second.text +
						    "', but pmtuguard takes the longest source prefix, so packets both match would "
						    "use another table; reorder or remove one of them (nothing imported)");
				}
			}
		}
	}
}

} // namespace

uint32_t parse_table_id(std::string_view text)
{
	if (text == "main")
		return RT_TABLE_MAIN;
	if (text == "default")
		return RT_TABLE_DEFAULT;
	return static_cast<uint32_t>(parse_unsigned(text, 1, UINT32_MAX, "routing table id"));
}

void sync_local_addresses(PinnedMaps &maps)
{
	maps.set_local_addresses(local_addresses());
}

void add_source_rule(PinnedMaps &maps, const SourceRule &rule)
{
	if (rule.table == 0)
		throw Error("invalid routing table id 0: expected 1..4294967295");
	if (rule.ifindex && !interface_exists(rule.ifindex))
		throw Error("unknown interface index " + std::to_string(rule.ifindex));
	if (auto existing = maps.rule(rule.from, rule.ifindex))
		throw Error("source rule " + existing->str() + " already exists (delete it first)");
	require_table_with_routes(rule.table);
	sync_local_addresses(maps);
	bool counted = has_table_counters(maps, rule.table);
	maps.ensure_table_counters(rule.table);
	try {
		maps.rule_add(rule);
	} catch (...) {
		if (!counted)
			maps.del_table_counters(rule.table);
		throw;
	}
}

void replace_source_rule(PinnedMaps &maps, const SourceRule &rule)
{
	if (rule.table == 0)
		throw Error("invalid routing table id 0: expected 1..4294967295");
	if (!maps.rule(rule.from, rule.ifindex))
		throw Error("no source rule " + rule.selector());
	require_table_with_routes(rule.table);
	sync_local_addresses(maps);
	maps.ensure_table_counters(rule.table);
	maps.rule_replace(rule);
	drop_unused_table_counters(maps);
}

void del_source_rule(PinnedMaps &maps, const Ipv6Prefix &from, int ifindex)
{
	maps.rule_del(from, ifindex);
	maps.prune_rule_lengths();
	drop_unused_table_counters(maps);
}

size_t flush_source_rules(PinnedMaps &maps)
{
	auto rules = maps.rules();
	for (const auto &r : rules)
		maps.rule_del(r.from, r.ifindex);
	maps.prune_rule_lengths();
	drop_unused_table_counters(maps);
	return rules.size();
}

ImportPlan plan_import(const std::vector<KernelRule> &kernel, const std::vector<SourceRule> &existing,
		       const std::function<int(const std::string &)> &ifindex_of)
{
	ImportPlan plan;
	std::vector<KernelRule> ordered = kernel;
	std::stable_sort(ordered.begin(), ordered.end(),
			 [](const auto &a, const auto &b) { return a.priority < b.priority; });

	const KernelRule *main_rule = nullptr;
	for (const auto &k : ordered)
		if (is_builtin(k) && k.table == RT_TABLE_MAIN && !main_rule)
			main_rule = &k;

	std::vector<Candidate> candidates;
	std::unordered_map<std::string, const Candidate *> by_selector;
	for (const auto &k : ordered) {
		if (is_builtin(k))
			continue;
		std::string text = describe(k);
		if (!k.unsupported.empty()) {
			plan.skipped.push_back(text + ": " + k.unsupported);
			continue;
		}
		if (main_rule && k.priority >= main_rule->priority) {
			plan.skipped.push_back(text + ": after the main table's rule (pref " +
					       std::to_string(main_rule->priority) + "), only a fallback in the kernel");
			continue;
		}
		SourceRule r;
		r.from.len = k.from.len;
		r.from.addr = masked(k.from.addr, k.from.len);
		r.table = k.table;
		if (!k.iif.empty()) {
			r.ifindex = ifindex_of(k.iif);
			if (!r.ifindex) {
				plan.skipped.push_back(text + ": interface " + k.iif + " does not exist");
				continue;
			}
		}
		candidates.push_back({k.priority, text, r});
	}

	// Of rules with the same selector the kernel only ever uses the first.
	std::vector<Candidate> effective;
	for (const auto &c : candidates) {
		std::string selector = prefix_group(c.rule.from.addr, c.rule.from.len) + std::to_string(c.rule.ifindex);
		auto [it, fresh] = by_selector.emplace(selector, &c);
		if (!fresh) {
			plan.skipped.push_back(c.text + ": shadowed by " + it->second->text);
			continue;
		}
		effective.push_back(c);
	}
	check_same_choice(effective);

	for (const auto &c : effective) {
		auto same = std::find_if(existing.begin(), existing.end(), [&](const SourceRule &e) {
			return e.from == c.rule.from && e.ifindex == c.rule.ifindex;
		});
		if (same == existing.end()) {
			plan.add.push_back(c.rule);
		} else if (same->table == c.rule.table) {
			plan.already_present++;
		} else {
			throw Error("cannot import '" + c.text + "': pmtuguard has " + same->str() +
				    " (delete it first; nothing imported)");
		}
	}
	return plan;
}

ImportPlan import_kernel_rules(PinnedMaps &maps)
{
	auto existing = maps.rules();
	ImportPlan plan = plan_import(ipv6_rules(), existing, interface_index_or_zero);

	std::set<uint32_t> tables;
	for (const auto &r : plan.add)
		tables.insert(r.table);
	for (uint32_t t : maps.counted_tables())
		tables.insert(t);
	if (existing.size() + plan.add.size() > PG_MAX_SOURCE_RULES)
		throw Error("cannot import " + std::to_string(plan.add.size()) + " rules: with the " +
			    std::to_string(existing.size()) + " present that is more than " +
			    std::to_string(PG_MAX_SOURCE_RULES));
	if (tables.size() > PG_MAX_TABLES)
		throw Error("cannot import: the rules would use " + std::to_string(tables.size()) +
			    " routing tables, more than " + std::to_string(PG_MAX_TABLES));
	for (const auto &r : plan.add)
		if (tables.erase(r.table))
			require_table_with_routes(r.table);

	sync_local_addresses(maps);
	std::vector<SourceRule> added;
	try {
		for (const auto &r : plan.add) {
			maps.ensure_table_counters(r.table);
			maps.rule_add(r);
			added.push_back(r);
		}
	} catch (...) {
		for (const auto &r : added)
			maps.rule_del(r.from, r.ifindex);
		maps.prune_rule_lengths();
		drop_unused_table_counters(maps);
		throw;
	}
	return plan;
}

} // namespace pmtuguard
