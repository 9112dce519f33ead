// Rendering of counter snapshots (userspace/lib/stats.h): every counter of
// abi.h appears under its name, the totals are the sums of their reasons,
// and rates divide deltas by the time between snapshots.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "lib/counters.h"
#include "lib/stats.h"

namespace pmtuguard {
namespace {

// Totals shown next to the raw counters, by the name prefix of their reasons.
const std::map<std::string, std::string> kTotals = {
	{"passed_packets", "passed_"},
	{"dropped_packets", "dropped_"},
	{"ptb_suppressed", "ptb_suppressed_"},
};

InterfaceStats interface_with_distinct_counters(const std::string &name, int ifindex, uint64_t base)
{
	InterfaceStats s;
	s.name = name;
	s.ifindex = ifindex;
	s.mode = "native";
	for (size_t i = 0; i < s.counters.size(); i++)
		s.counters[i] = base + 7 * i; // distinct, so a swapped counter shows
	return s;
}

StatsSnapshot two_interfaces()
{
	StatsSnapshot snap;
	snap.taken = std::chrono::steady_clock::now();
	snap.interfaces.push_back(interface_with_distinct_counters("eth0", 2, 1000));
	snap.interfaces.push_back(interface_with_distinct_counters("eth1", 3, 50000));
	snap.interfaces.back().observe = true;
	return snap;
}

TEST(StatsJson, HasEveryCounterUnderItsName)
{
	StatsSnapshot snap = two_interfaces();
	nlohmann::json j = stats_json(snap);
	ASSERT_EQ(j["interfaces"].size(), 2u);
	for (size_t n = 0; n < 2; n++) {
		const auto &iface = j["interfaces"][n];
		EXPECT_EQ(iface["name"], snap.interfaces[n].name);
		EXPECT_EQ(iface["ifindex"], snap.interfaces[n].ifindex);
		EXPECT_EQ(iface["observe"], snap.interfaces[n].observe);
		for (const auto &info : counter_infos()) {
			std::string name(info.name);
			ASSERT_TRUE(iface["counters"].contains(name)) << name;
			EXPECT_EQ(iface["counters"][name].get<uint64_t>(), snap.interfaces[n].counters[info.id]) << name;
		}
	}
}

TEST(StatsJson, HasTheKeysDashboardsUse)
{
	nlohmann::json counters = stats_json(two_interfaces())["interfaces"][0]["counters"];
	for (const char *key : {"ipv6_packets", "forwarded_packets", "passed_packets", "oversize_packets", "ptb_sent",
				"ptb_suppressed_rate_limit", "ptb_suppressed_icmp_error", "ptb_suppressed_bad_source",
				"ptb_suppressed_observe", "ptb_suppressed"})
		EXPECT_TRUE(counters.contains(key)) << key;
}

TEST(StatsJson, TotalsAreTheSumsOfTheirReasons)
{
	nlohmann::json counters = stats_json(two_interfaces())["interfaces"][1]["counters"];
	std::set<std::string> raw;
	for (const auto &info : counter_infos())
		raw.insert(std::string(info.name));

	std::set<std::string> totals_seen;
	for (const auto &[key, value] : counters.items()) {
		if (raw.count(key))
			continue;
		auto total = kTotals.find(key);
		ASSERT_NE(total, kTotals.end()) << "'" << key << "' is neither a counter nor a known total";
		uint64_t sum = 0;
		int reasons = 0;
		for (const auto &name : raw)
			if (name.starts_with(total->second)) {
				sum += counters[name].get<uint64_t>();
				reasons++;
			}
		EXPECT_GT(reasons, 0) << key;
		EXPECT_EQ(value.get<uint64_t>(), sum) << key;
		totals_seen.insert(key);
	}
	EXPECT_TRUE(totals_seen.count("passed_packets"));
	EXPECT_TRUE(totals_seen.count("ptb_suppressed"));
}

TEST(StatsText, ListsEveryCounterWithItsValue)
{
	StatsSnapshot snap = two_interfaces();
	std::string text = stats_text(snap);
	EXPECT_NE(text.find("eth0 (ifindex 2, native)"), std::string::npos) << text;
	EXPECT_NE(text.find("eth1 (ifindex 3, native, observe)"), std::string::npos) << text;
	for (const auto &info : counter_infos()) {
		std::string line_start = "  " + std::string(info.name) + " ";
		size_t at = text.find(line_start);
		ASSERT_NE(at, std::string::npos) << info.name;
		std::string line = text.substr(at, text.find('\n', at) - at);
		EXPECT_TRUE(line.ends_with(" " + std::to_string(snap.interfaces[0].counters[info.id]))) << line;
	}
	EXPECT_EQ(stats_text(StatsSnapshot{}), "no interfaces attached\n");
}

TEST(Rates, AreDeltasOverTheInterval)
{
	StatsSnapshot prev = two_interfaces();
	StatsSnapshot cur = prev;
	cur.taken = prev.taken + std::chrono::seconds(2);
	cur.interfaces[0].counters[PG_CNT_PTB_SENT] += 10;
	cur.interfaces[0].counters[PG_CNT_PASS_NOT_IPV6] += 4;
	cur.interfaces[0].counters[PG_CNT_RX_PACKETS] = 0; // went backwards: a reset, not a negative rate

	nlohmann::json j = rates_json(prev, cur);
	EXPECT_DOUBLE_EQ(j["interval_seconds"].get<double>(), 2.0);
	const auto &rates = j["interfaces"][0]["rates_per_second"];
	EXPECT_DOUBLE_EQ(rates["ptb_sent"].get<double>(), 5.0);
	EXPECT_DOUBLE_EQ(rates["passed_not_ipv6"].get<double>(), 2.0);
	EXPECT_DOUBLE_EQ(rates["passed_packets"].get<double>(), 2.0);
	EXPECT_DOUBLE_EQ(rates["rx_packets"].get<double>(), 0.0);
	EXPECT_DOUBLE_EQ(j["interfaces"][1]["rates_per_second"]["ptb_sent"].get<double>(), 0.0);

	std::string text = rates_text(prev, cur);
	EXPECT_NE(text.find("ptb_sent"), std::string::npos) << text;
	EXPECT_NE(text.find("5.0/s"), std::string::npos) << text;
	EXPECT_NE(text.find("(idle)"), std::string::npos) << "eth1 did not move: " << text;
}

} // namespace
} // namespace pmtuguard
