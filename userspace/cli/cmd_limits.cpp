// limits [set ...]: the PTB rate limits.
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "lib/error.h"
#include "lib/maps.h"

namespace pmtuguard::cli {

void register_limits(CLI::App &app, GlobalOptions &g)
{
	auto *limits = app.add_subcommand("limits", "show or set the PTB rate limits");
	struct Values {
		std::optional<unsigned> prefix_len, source_rate, source_burst, global_rate, global_burst;
	};
	auto v = std::make_shared<Values>();
	auto *set = limits->add_subcommand("set", "change some limits; the others keep their values");
	set->add_option("--source-prefix-len", v->prefix_len, "group sources by prefixes of this length")
		->check(CLI::Range(0, 128));
	set->add_option("--source-rate", v->source_rate, "PTB/s per source prefix, 0 = unlimited");
	set->add_option("--source-burst", v->source_burst, "PTBs a source prefix may get at once")
		->check(CLI::Range(1u, 1000000u));
	set->add_option("--global-rate", v->global_rate, "PTB/s for the whole router, 0 = unlimited");
	set->add_option("--global-burst", v->global_burst, "PTBs at once for the whole router")
		->check(CLI::Range(1u, 10000000u));
	set->callback([&g, v] {
		PinnedMaps maps(g.pin_dir);
		pg_settings s = maps.settings();
		if (v->prefix_len) s.source_prefix_len = *v->prefix_len;
		if (v->source_rate) s.source_rate = *v->source_rate;
		if (v->source_burst) s.source_burst = *v->source_burst;
		if (v->global_rate) s.global_rate = *v->global_rate;
		if (v->global_burst) s.global_burst = *v->global_burst;
		maps.set_settings(s);
	});
	limits->callback([&g, limits] {
		if (limits->got_subcommand("set"))
			return;
		pg_settings s = PinnedMaps(g.pin_dir).settings();
		if (g.json) {
			std::cout << nlohmann::json{{"source_prefix_len", s.source_prefix_len},
						    {"source_rate", s.source_rate},
						    {"source_burst", s.source_burst},
						    {"global_rate", s.global_rate},
						    {"global_burst", s.global_burst}}
					     .dump()
				  << "\n";
			return;
		}
		std::cout << "per source /" << s.source_prefix_len << ": "
			  << (s.source_rate ? std::to_string(s.source_rate) + " PTB/s, burst " + std::to_string(s.source_burst)
					    : std::string("unlimited"))
			  << "\nglobal: "
			  << (s.global_rate ? std::to_string(s.global_rate) + " PTB/s, burst " + std::to_string(s.global_burst)
					    : std::string("unlimited"))
			  << "\n";
	});
}

} // namespace pmtuguard::cli
