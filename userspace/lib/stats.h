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

// The counters of one routing table that source rules use; the exporter's
// pmtuguard_rule_packets_total{table,result}, result = table_counter_infos() names.
struct TableStats {
	uint32_t table = 0;
	TableCounterValues counters{};
};

struct StatsSnapshot {
	std::chrono::steady_clock::time_point taken;
	std::vector<InterfaceStats> interfaces;
	std::vector<TableStats> tables; // by table id
};

class PinnedMaps;
std::vector<TableStats> collect_table_stats(const PinnedMaps &maps);

// Only the named interfaces when `only` is not empty; a name that is not
// attached is an error.
StatsSnapshot collect_stats(const std::string &pin_dir, const std::vector<std::string> &only = {});

// {"interfaces":[{"name","ifindex","mode","observe","counters":{...}}],
//  "tables":[{"table","counters":{"matched",...}}]}; an interface's counters
// object has every counter plus the totals passed_packets, dropped_packets
// and ptb_suppressed.
nlohmann::json stats_json(const StatsSnapshot &snap);
std::string stats_text(const StatsSnapshot &snap);

// Per-second rates between two snapshots, same shapes.
nlohmann::json rates_json(const StatsSnapshot &prev, const StatsSnapshot &cur);
std::string rates_text(const StatsSnapshot &prev, const StatsSnapshot &cur);

} // namespace pmtuguard
