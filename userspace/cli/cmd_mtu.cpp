// mtu add|del|list: the operator's MTU per destination prefix.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/prefix.h"

namespace pmtuguard::cli {

void register_mtu(CLI::App &app, GlobalOptions &g)
{
	auto *mtu = app.add_subcommand("mtu", "MTU policy per destination prefix");
	mtu->require_subcommand(1);

	auto prefix = std::make_shared<std::string>();
	auto value = std::make_shared<std::string>();
	auto *add = mtu->add_subcommand("add", "apply MTU to destinations in PREFIX");
	add->add_option("prefix", *prefix, "destination prefix, e.g. 2001:db8:77::/48")->required();
	add->add_option("mtu", *value, "MTU in bytes, 1280..65535")->required();
	add->callback([&g, prefix, value] {
		Ipv6Prefix p = Ipv6Prefix::parse(*prefix);
		unsigned m = parse_unsigned(*value, PG_IPV6_MIN_MTU, 65535, "MTU");
		PinnedMaps(g.pin_dir).mtu_add(p, m);
	});

	auto *del = mtu->add_subcommand("del", "remove the policy for PREFIX");
	del->add_option("prefix", *prefix, "destination prefix")->required();
	del->callback([&g, prefix] { PinnedMaps(g.pin_dir).mtu_del(Ipv6Prefix::parse(*prefix)); });

	auto *list = mtu->add_subcommand("list", "show the MTU policy");
	list->callback([&g] {
		auto entries = PinnedMaps(g.pin_dir).mtu_list();
		if (g.json) {
			nlohmann::json arr = nlohmann::json::array();
			for (const auto &e : entries)
				arr.push_back({{"prefix", e.prefix.str()}, {"mtu", e.mtu}});
			std::cout << arr.dump() << "\n";
			return;
		}
		for (const auto &e : entries)
			std::cout << e.prefix.str() << " mtu " << e.mtu << "\n";
	});
}

} // namespace pmtuguard::cli
