#pragma once
// The counter table from include/pmtuguard/abi.h, as data for the CLI and
// the exporter, plus the totals derived from it.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "pmtuguard/abi.h"

namespace pmtuguard {

// One row of a counter table: its id, the name it is exported as, its help.
template <typename Id> struct NamedCounter {
	Id id;
	std::string_view name;
	std::string_view help;
};

using CounterInfo = NamedCounter<pg_counter>;

std::span<const CounterInfo> counter_infos();

using CounterValues = std::array<uint64_t, PG_CNT_MAX>;

// Counters whose name starts with this prefix are reasons of one total:
// passed_packets = sum(passed_*), dropped_packets = sum(dropped_*),
// ptb_suppressed = sum(ptb_suppressed_*).
constexpr std::string_view kPassedPrefix = "passed_";
constexpr std::string_view kDroppedPrefix = "dropped_";
constexpr std::string_view kSuppressedPrefix = "ptb_suppressed_";
uint64_t sum_with_prefix(const CounterValues &values, std::string_view prefix);

// The per-routing-table counters of source rules (PG_TABLE_COUNTER_LIST).
using TableCounterInfo = NamedCounter<pg_table_counter>;

std::span<const TableCounterInfo> table_counter_infos();

using TableCounterValues = std::array<uint64_t, PG_TCNT_MAX>;

} // namespace pmtuguard
