#pragma once
// One snapshot of the counters of every attached interface, and the ways it
// is shown: `stats` text and JSON, rates for --interval, and the exporter.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/counters.h"

namespace pmtuguard {

struct InterfaceStats {
	std::string name;
	int ifindex = 0;
	std::string mode;
	bool observe = false;
	CounterValues counters{};
};

struct StatsSnapshot {
	std::chrono::steady_clock::time_point taken;
	std::vector<InterfaceStats> interfaces;
};

// Only the named interfaces when `only` is not empty; a name that is not
// attached is an error.
StatsSnapshot collect_stats(const std::string &pin_dir, const std::vector<std::string> &only = {});

// {"interfaces":[{"name","ifindex","mode","observe","counters":{...}}]}; the
// counters object has every counter plus the totals passed_packets and
// ptb_suppressed.
nlohmann::json stats_json(const StatsSnapshot &snap);
std::string stats_text(const StatsSnapshot &snap);

// Per-second rates between two snapshots, same shapes.
nlohmann::json rates_json(const StatsSnapshot &prev, const StatsSnapshot &cur);
std::string rates_text(const StatsSnapshot &prev, const StatsSnapshot &cur);

} // namespace pmtuguard
