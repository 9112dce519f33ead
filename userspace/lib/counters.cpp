#include "lib/counters.h"

namespace pmtuguard {

std::span<const CounterInfo> counter_infos()
{
	static constexpr CounterInfo infos[] = {
#define PG_COUNTER_INFO(id, name, help) {PG_CNT_##id, name, help},
		PG_COUNTER_LIST(PG_COUNTER_INFO)
#undef PG_COUNTER_INFO
	};
	static_assert(std::size(infos) == PG_CNT_MAX);
	return infos;
}

std::span<const TableCounterInfo> table_counter_infos()
{
	static constexpr TableCounterInfo infos[] = {
#define PG_TABLE_COUNTER_INFO(id, name, help) {PG_TCNT_##id, name, help},
		PG_TABLE_COUNTER_LIST(PG_TABLE_COUNTER_INFO)
#undef PG_TABLE_COUNTER_INFO
	};
	static_assert(std::size(infos) == PG_TCNT_MAX);
	return infos;
}

uint64_t sum_with_prefix(const CounterValues &values, std::string_view prefix)
{
	uint64_t total = 0;
	for (const auto &info : counter_infos())
		if (info.name.starts_with(prefix))
			total += values[info.id];
	return total;
}

} // namespace pmtuguard
