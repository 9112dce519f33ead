// The counter table (include/pmtuguard/abi.h via userspace/lib/counters.h):
// one entry per id, in order, with usable names, and reasons named so that
// the totals and the counter invariants pick them up.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "lib/counters.h"

namespace pmtuguard {
namespace {

TEST(CounterTable, HasOneEntryPerIdInOrder)
{
	auto infos = counter_infos();
	ASSERT_EQ(infos.size(), static_cast<size_t>(PG_CNT_MAX));
	for (size_t i = 0; i < infos.size(); i++)
		EXPECT_EQ(static_cast<size_t>(infos[i].id), i) << infos[i].name;
}

TEST(CounterTable, NamesAreUniqueSnakeCaseAndExplained)
{
	const std::regex snake("[a-z][a-z0-9]*(_[a-z0-9]+)*");
	std::set<std::string_view> seen;
	for (const auto &info : counter_infos()) {
		std::string name(info.name);
		EXPECT_TRUE(std::regex_match(name, snake)) << name;
		EXPECT_TRUE(seen.insert(info.name).second) << "duplicate " << name;
		EXPECT_GE(info.help.size(), 10u) << name << " needs a help text";
	}
}

// A reason counter added under the wrong name would silently fall out of the
// totals and out of rx = forwarded + passed + dropped + oversize.
TEST(CounterTable, ReasonIdsAndNamesAgree)
{
	struct Entry {
		const char *id;
		const char *name;
	};
	const Entry entries[] = {
#define PG_COUNTER_ENTRY(id, name, help) {#id, name},
		PG_COUNTER_LIST(PG_COUNTER_ENTRY)
#undef PG_COUNTER_ENTRY
	};
	const std::pair<std::string, std::string> families[] = {
		{"PASS_", "passed_"}, {"DROP_", "dropped_"}, {"PTB_SUPP_", "ptb_suppressed_"}};
	for (const auto &e : entries) {
		std::string id = e.id, name = e.name;
		for (const auto &[id_prefix, name_prefix] : families)
			EXPECT_EQ(id.starts_with(id_prefix), name.starts_with(name_prefix)) << id << " / " << name;
	}
}

TEST(CounterTable, SumWithPrefixAddsExactlyThatFamily)
{
	CounterValues v{};
	for (size_t i = 0; i < v.size(); i++)
		v[i] = 1000 + i;
	uint64_t passed = 0, suppressed = 0;
	int passed_reasons = 0;
	for (const auto &info : counter_infos()) {
		if (info.name.starts_with("passed_")) {
			passed += v[info.id];
			passed_reasons++;
		}
		if (info.name.starts_with("ptb_suppressed_"))
			suppressed += v[info.id];
	}
	EXPECT_GE(passed_reasons, 9) << "passed_not_ipv6 .. passed_unconfigured at least";
	EXPECT_EQ(sum_with_prefix(v, kPassedPrefix), passed);
	EXPECT_EQ(sum_with_prefix(v, kSuppressedPrefix), suppressed);
	EXPECT_EQ(sum_with_prefix(v, "no_such_prefix_"), 0u);
}

} // namespace
} // namespace pmtuguard
