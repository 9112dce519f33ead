// rule add|del|list|import|flush: the routing table by source prefix, chosen
// in the fast path instead of the kernel's linear rule list.
#include <algorithm>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/netlink.h"
#include "lib/rules.h"

namespace pmtuguard::cli {
namespace {

// The words after `rule add|del`, in `ip rule` style and any order:
// from PREFIX, table|lookup ID, iif DEV.
struct RuleWords {
	std::optional<Ipv6Prefix> from;
	std::optional<uint32_t> table;
	int ifindex = 0;
};

RuleWords parse_words(const std::vector<std::string> &words)
{
	RuleWords r;
	for (size_t i = 0; i < words.size(); i += 2) {
		const std::string &key = words[i];
		if (key != "from" && key != "table" && key != "lookup" && key != "iif")
			throw Error("unexpected '" + key + "': expected from PREFIX, table ID or iif DEV");
		if (i + 1 >= words.size())
			throw Error("'" + key + "' needs a value");
		const std::string &value = words[i + 1];
		if (key == "from")
			r.from = Ipv6Prefix::parse(value);
		else if (key == "iif")
			r.ifindex = interface_index(value);
		else
			r.table = parse_table_id(value);
	}
	if (!r.from)
		throw Error("missing 'from PREFIX'");
	return r;
}

nlohmann::json rule_json(const SourceRule &r)
{
	return {{"from", r.from.str()},
		{"iif", r.ifindex ? nlohmann::json(interface_name(r.ifindex)) : nlohmann::json()},
		{"ifindex", r.ifindex},
		{"table", r.table}};
}

void list(const GlobalOptions &g)
{
	auto rules = PinnedMaps(g.pin_dir).rules();
	std::sort(rules.begin(), rules.end(), [](const auto &a, const auto &b) {
		return std::tie(a.ifindex, a.from.addr, a.from.len) < std::tie(b.ifindex, b.from.addr, b.from.len);
	});
	if (g.json) {
		nlohmann::json arr = nlohmann::json::array();
		for (const auto &r : rules)
			arr.push_back(rule_json(r));
		std::cout << arr.dump() << "\n";
		return;
	}
	for (const auto &r : rules)
		std::cout << r.str() << "\n";
}

void import(const GlobalOptions &g)
{
	PinnedMaps maps(g.pin_dir);
	ImportPlan plan = import_kernel_rules(maps);
	if (g.json) {
		nlohmann::json added = nlohmann::json::array();
		for (const auto &r : plan.add)
			added.push_back(rule_json(r));
		std::cout << nlohmann::json{{"added", added},
					    {"already_present", plan.already_present},
					    {"skipped", plan.skipped}}
				     .dump()
			  << "\n";
		return;
	}
	for (const auto &s : plan.skipped)
		std::cout << "skipped: " << s << "\n";
	std::cout << "imported " << plan.add.size() << " rules (" << plan.already_present << " already present, "
		  << plan.skipped.size() << " skipped)\n";
}

} // namespace

void register_rule(CLI::App &app, GlobalOptions &g)
{
	auto *rule = app.add_subcommand("rule", "routing table by source prefix, chosen in the fast path");
	rule->require_subcommand(1);
	auto words = std::make_shared<std::vector<std::string>>();

	auto *add = rule->add_subcommand("add", "route packets from PREFIX (arriving on DEV) in table ID");
	add->add_option("words", *words, "from PREFIX table ID [iif DEV]")->required();
	add->callback([&g, words] {
		RuleWords w = parse_words(*words);
		if (!w.table)
			throw Error("missing 'table ID'");
		PinnedMaps maps(g.pin_dir);
		add_source_rule(maps, {*w.from, w.ifindex, *w.table});
	});

	auto *del = rule->add_subcommand("del", "remove the rule for PREFIX (and DEV)");
	del->add_option("words", *words, "from PREFIX [iif DEV] [table ID]")->required();
	del->callback([&g, words] {
		RuleWords w = parse_words(*words);
		PinnedMaps maps(g.pin_dir);
		// A table given must be the rule's: deleting another rule than the
		// one the operator describes would be a surprise.
		if (auto existing = maps.rule(*w.from, w.ifindex); existing && w.table && existing->table != *w.table)
			throw Error("source rule " + existing->str() + " is not in table " + std::to_string(*w.table));
		del_source_rule(maps, *w.from, w.ifindex);
	});

	rule->add_subcommand("list", "show the source rules")->callback([&g] { list(g); });
	rule->add_subcommand("import", "copy the kernel's `ip -6 rule` source rules (all or none)")->callback([&g] {
		import(g);
	});
	rule->add_subcommand("flush", "remove every source rule")->callback([&g] {
		PinnedMaps maps(g.pin_dir);
		std::cout << "removed " << flush_source_rules(maps) << " rules\n";
	});
}

} // namespace pmtuguard::cli
