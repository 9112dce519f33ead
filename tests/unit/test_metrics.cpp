// The Prometheus rendering: every counter of the table, the same numbers as
// `stats -j`, well-formed families, a cumulative histogram.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "exporter/metrics.h"
#include "lib/counters.h"
#include "lib/stats.h"

namespace pmtuguard {
namespace {

InterfaceStats interface_with_distinct_counters(const std::string &name, uint64_t base)
{
	InterfaceStats s;
	s.name = name;
	s.ifindex = 7;
	s.mode = "native";
	for (const auto &info : counter_infos())
		s.counters[info.id] = base + info.id;
	return s;
}

// "name{labels}" -> value, from the sample lines.
std::map<std::string, uint64_t> samples(const std::string &text)
{
	std::map<std::string, uint64_t> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.empty() || line[0] == '#')
			continue;
		auto space = line.rfind(' ');
		out[line.substr(0, space)] = std::stoull(line.substr(space + 1));
	}
	return out;
}

MetricsInput input_with(std::vector<InterfaceStats> interfaces)
{
	MetricsInput in;
	in.version = "9.9.9";
	in.stats = StatsSnapshot{};
	in.stats->interfaces = std::move(interfaces);
	return in;
}

TEST(Metrics, RequiredFamiliesCarryTheCounterValues)
{
	auto iface = interface_with_distinct_counters("eth0", 1000);
	auto s = samples(render_metrics(input_with({iface})));
	const auto &c = iface.counters;
	EXPECT_EQ(s.at(R"(pmtuguard_ipv6_packets_total{interface="eth0"})"), c[PG_CNT_IPV6_PACKETS]);
	EXPECT_EQ(s.at(R"(pmtuguard_forwarded_packets_total{interface="eth0"})"), c[PG_CNT_FORWARDED]);
	EXPECT_EQ(s.at(R"(pmtuguard_passed_packets_total{interface="eth0",reason="no_route"})"), c[PG_CNT_PASS_NO_ROUTE]);
	EXPECT_EQ(s.at(R"(pmtuguard_oversize_packets_total{interface="eth0"})"), c[PG_CNT_OVERSIZE]);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_sent_total{interface="eth0"})"), c[PG_CNT_PTB_SENT]);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_suppressed_total{interface="eth0",reason="rate_limit"})"),
		  c[PG_CNT_PTB_SUPP_RATE_LIMIT]);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_received_total{interface="eth0"})"), c[PG_CNT_PTB_RECEIVED]);
	EXPECT_EQ(s.at(R"(pmtuguard_events_lost_total{interface="eth0"})"), c[PG_CNT_EVENTS_LOST]);
	EXPECT_EQ(s.at(R"(pmtuguard_build_info{version="9.9.9"})"), 1u);
	EXPECT_EQ(s.at("pmtuguard_datapath_loaded"), 1u);
}

// One code path: every number `stats -j` shows for an interface is a sample
// of the exposition (raw counters, and the passed/suppressed totals as sums).
TEST(Metrics, SameNumbersAsStatsJson)
{
	auto iface = interface_with_distinct_counters("eth0", 5000);
	StatsSnapshot snap;
	snap.interfaces = {iface};
	auto json = stats_json(snap)["interfaces"][0]["counters"];
	auto s = samples(render_metrics(input_with({iface})));

	std::multiset<uint64_t> exported;
	for (const auto &[name, value] : s)
		if (name.find("interface=\"eth0\"") != std::string::npos && name.find("_bucket") == std::string::npos)
			exported.insert(value);
	for (const auto &info : counter_infos()) {
		std::string name(info.name);
		if (name.starts_with("ptb_received_mtu_") && name != "ptb_received_mtu_sum")
			continue; // buckets: cumulative, checked below
		EXPECT_TRUE(exported.count(json[name].get<uint64_t>())) << name << " not exported";
	}
	for (const auto &[family, total] : {std::pair{"passed_packets", "passed_packets"},
					    {"dropped_packets", "dropped_packets"}, {"ptb_suppressed", "ptb_suppressed"}}) {
		uint64_t sum = 0;
		for (const auto &[name, value] : s)
			if (name.starts_with("pmtuguard_" + std::string(family) + "_total{"))
				sum += value;
		EXPECT_EQ(sum, json[total].get<uint64_t>()) << family;
	}
}

TEST(Metrics, ReceivedPtbMtuIsACumulativeHistogram)
{
	InterfaceStats iface;
	iface.name = "eth1";
	uint64_t n = 1;
	for (auto id : {PG_CNT_PTB_RECEIVED_MTU_LE_1279, PG_CNT_PTB_RECEIVED_MTU_LE_1280, PG_CNT_PTB_RECEIVED_MTU_LE_1400,
			PG_CNT_PTB_RECEIVED_MTU_LE_1480, PG_CNT_PTB_RECEIVED_MTU_LE_1500, PG_CNT_PTB_RECEIVED_MTU_LE_9000,
			PG_CNT_PTB_RECEIVED_MTU_GT_9000})
		iface.counters[id] = n++; // 1..7
	iface.counters[PG_CNT_PTB_RECEIVED_MTU_SUM] = 123456;
	auto s = samples(render_metrics(input_with({iface})));
	const std::string b = R"(pmtuguard_ptb_received_mtu_bytes_bucket{interface="eth1",le=")";
	EXPECT_EQ(s.at(b + "1279\"}"), 1u);
	EXPECT_EQ(s.at(b + "1280\"}"), 3u);
	EXPECT_EQ(s.at(b + "1400\"}"), 6u);
	EXPECT_EQ(s.at(b + "1480\"}"), 10u);
	EXPECT_EQ(s.at(b + "1500\"}"), 15u);
	EXPECT_EQ(s.at(b + "9000\"}"), 21u);
	EXPECT_EQ(s.at(b + "+Inf\"}"), 28u);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_received_mtu_bytes_count{interface="eth1"})"), 28u);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_received_mtu_bytes_sum{interface="eth1"})"), 123456u);
	EXPECT_EQ(s.at(R"(pmtuguard_ptb_received_below_minimum_total{interface="eth1"})"), 1u);
	// The raw bucket counters are not exported a second time.
	for (const auto &[name, value] : s)
		EXPECT_EQ(name.find("ptb_received_mtu_le"), std::string::npos) << name;
}

// Each family once, its samples together right after its TYPE line.
TEST(Metrics, FamiliesAreContiguousAndDeclaredOnce)
{
	auto text = render_metrics(input_with(
		{interface_with_distinct_counters("eth0", 1), interface_with_distinct_counters("eth1", 2)}));
	std::istringstream in(text);
	std::string line, family;
	std::set<std::string> declared;
	while (std::getline(in, line)) {
		if (line.starts_with("# TYPE ")) {
			family = line.substr(7, line.find(' ', 7) - 7);
			EXPECT_TRUE(declared.insert(family).second) << family << " declared twice";
		} else if (!line.starts_with("#")) {
			EXPECT_TRUE(line.starts_with(family)) << line << " outside family " << family;
		}
	}
	EXPECT_TRUE(declared.count("pmtuguard_passed_packets_total"));
	EXPECT_TRUE(declared.count("pmtuguard_ptb_received_mtu_bytes"));
}

TEST(Metrics, AttachmentsAndRuleTables)
{
	auto in = input_with({});
	Attachment a;
	a.interface = "eth0";
	a.mode = PG_MODE_GENERIC;
	a.prog_id = 42;
	in.attachments = {a};
	TableStats table;
	table.table = 100;
	for (const auto &info : table_counter_infos())
		table.counters[info.id] = 17 + info.id;
	in.stats->tables = {table};
	auto s = samples(render_metrics(in));
	EXPECT_EQ(s.at(R"(pmtuguard_attached_info{interface="eth0",hook="xdp",mode="generic",observe="false",prog_id="42"})"),
		  1u);
	for (const auto &info : table_counter_infos())
		EXPECT_EQ(s.at("pmtuguard_rule_packets_total{table=\"100\",result=\"" + std::string(info.name) + "\"}"),
			  17u + info.id);
}

TEST(Metrics, NothingPinnedStillAnswers)
{
	MetricsInput in;
	in.version = "1";
	auto s = samples(render_metrics(in));
	EXPECT_EQ(s.at("pmtuguard_datapath_loaded"), 0u);
	EXPECT_EQ(s.size(), 2u); // build_info and datapath_loaded only
}

TEST(Metrics, LabelValuesAreEscaped)
{
	auto text = render_metrics(input_with({interface_with_distinct_counters("we\"ird\\", 1)}));
	EXPECT_NE(text.find(R"(interface="we\"ird\\")"), std::string::npos);
}

} // namespace
} // namespace pmtuguard
