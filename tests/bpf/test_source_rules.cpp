// Source rules in the XDP datapath under BPF_PROG_TEST_RUN: the table a
// packet's source chooses (longest prefix, scoped or not), the lookup in that
// table alone, the MTU of that table's egress, the drop when it has no route,
// the handoff to tc, and rule updates racing with packets.
//
// On support/router.h, destination D = 2001:db8:70::5 is routed
//   table 100 via wide (MTU 1500)        table 200 via narrow (MTU 1280)
//   table 400 via an unresolved next hop table 500 via spare (not attached)
//   table 300 has routes, none to D      main: via spare (not attached)
// so where a frame goes tells which table routed it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "lib/error.h"
#include "lib/rules.h"
#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using R = Router;

constexpr uint32_t kWideTable = 100;
constexpr uint32_t kNarrowTable = 200;
constexpr uint32_t kTableWithoutD = 300;
constexpr uint32_t kUnresolvedTable = 400;
constexpr uint32_t kSpareTable = 500;
constexpr const char *kD = "2001:db8:70::5";
constexpr const char *kSpareNextHop = "2001:db8:4::2";
constexpr const char *kUnresolvedNextHop = "2001:db8:3::3";

using TableDeltas = std::map<pg_table_counter, uint64_t>;

class SourceRules : public XdpRouterTest {
protected:
	void SetUp() override
	{
		XdpRouterTest::SetUp();
		table_route(kWideTable, "2001:db8:3::2", R::kWide);
		table_route(kNarrowTable, "2001:db8:2::2", R::kNarrow);
		router.ns.ip({"-6", "route", "add", "2001:db8:71::/48", "via", "2001:db8:3::2", "dev", R::kWide, "table",
			      std::to_string(kTableWithoutD)});
		table_route(kUnresolvedTable, kUnresolvedNextHop, R::kWide);
		table_route(kSpareTable, kSpareNextHop, R::kSpare);
		router.ns.add_route("2001:db8:70::/48", kSpareNextHop, R::kSpare);
	}

	void table_route(uint32_t table, const std::string &via, const std::string &dev)
	{
		router.ns.ip({"-6", "route", "add", "2001:db8:70::/48", "via", via, "dev", dev, "table",
			      std::to_string(table)});
	}

	void rule(std::string_view from, uint32_t table, int ifindex = 0)
	{
		add_source_rule(dp.maps(), {Ipv6Prefix::parse(from), ifindex, table});
	}

	// A frame to D from src arriving on `in`.
	static Bytes to_d(std::string_view src, size_t ip_len = 200)
	{
		return R::from_host(kD, src).udp(4000, 53).fill_to_ip_len(ip_len).build();
	}

	XdpCase to_wide(std::string description, Bytes input) const
	{
		return forward_case(std::move(description), std::move(input), R::kWideMac, R::kWideNextHopMac);
	}

	XdpCase to_narrow(std::string description, Bytes input) const
	{
		return forward_case(std::move(description), std::move(input), R::kNarrowMac, R::kNarrowNextHopMac);
	}

	XdpCase dropped_no_route(std::string description, Bytes input) const
	{
		Bytes output = input;
		return {std::move(description), router.in, std::move(input), XDP_DROP, std::move(output),
			passed(PG_CNT_DROP_NO_TABLE_ROUTE)};
	}

	TableCounterValues table(uint32_t t) const { return const_cast<SourceRules *>(this)->dp.maps().table_counters(t); }

	// Runs the case and checks what it adds to the given tables' counters
	// (counters not named stay put).
	void expect_case_in_tables(const XdpCase &c, const std::map<uint32_t, TableDeltas> &tables)
	{
		std::map<uint32_t, TableCounterValues> before;
		for (uint32_t t : {kWideTable, kNarrowTable, kTableWithoutD, kUnresolvedTable, kSpareTable})
			before[t] = table(t);
		expect_case(dp, c);
		for (const auto &[t, values] : before) {
			TableCounterValues after = table(t);
			TableDeltas expected = tables.count(t) ? tables.at(t) : TableDeltas{};
			for (const auto &info : table_counter_infos())
				EXPECT_EQ(after[info.id] - values[info.id], expected.count(info.id) ? expected[info.id] : 0)
					<< c.description << ": table " << t << " " << info.name;
		}
	}
};

const TableDeltas kForwarded = {{PG_TCNT_MATCHED, 1}, {PG_TCNT_FORWARDED, 1}};
const TableDeltas kNoRoute = {{PG_TCNT_MATCHED, 1}, {PG_TCNT_NO_ROUTE, 1}};
const TableDeltas kOversize = {{PG_TCNT_MATCHED, 1}, {PG_TCNT_OVERSIZE, 1}};
const TableDeltas kMatchedOnly = {{PG_TCNT_MATCHED, 1}};

TEST_F(SourceRules, LongestSourcePrefixWinsAmongSlash48Slash64Slash128)
{
	rule("2001:db8:1::/48", kWideTable);
	rule("2001:db8:1::/64", kNarrowTable);
	rule("2001:db8:1::100/128", kTableWithoutD);

	expect_case_in_tables(to_wide("source only in the /48", to_d("2001:db8:1:5::1")), {{kWideTable, kForwarded}});
	expect_case_in_tables(to_narrow("source in the /64 (and the /48)", to_d("2001:db8:1::200")),
			      {{kNarrowTable, kForwarded}});
	expect_case_in_tables(dropped_no_route("source is the /128, whose table has no route to D", to_d(R::kHost)),
			      {{kTableWithoutD, kNoRoute}});
	expect_case_in_tables(pass_case("source in no rule: the kernel's rules, main via the unattached spare",
					to_d("2001:db8:8::1"), PG_CNT_PASS_NOT_REDIRECTABLE),
			      {});
}

TEST_F(SourceRules, ScopedRuleWinsATieAndOnlyOnItsInterface)
{
	rule("2001:db8:1::/64", kWideTable, router.in);
	rule("2001:db8:1::/64", kNarrowTable);
	rule("2001:db8:1::100/128", kTableWithoutD, router.wide);

	expect_case_in_tables(to_wide("same /64 scoped to `in` and unscoped: the scoped one", to_d("2001:db8:1::200")),
			      {{kWideTable, kForwarded}});
	expect_case_in_tables(to_wide("a /128 scoped to another interface does not apply", to_d(R::kHost)),
			      {{kWideTable, kForwarded}});

	XdpCase on_wide = to_narrow("arriving on `wide`, only the unscoped /64 applies", to_d("2001:db8:1::200"));
	on_wide.ingress_ifindex = router.wide;
	expect_case_in_tables(on_wide, {{kNarrowTable, kForwarded}});
}

TEST_F(SourceRules, LongerUnscopedPrefixBeatsShorterScopedOne)
{
	rule("2001:db8:1::/48", kWideTable, router.in);
	rule("2001:db8:1::/64", kNarrowTable);

	expect_case_in_tables(to_narrow("unscoped /64 over scoped /48", to_d("2001:db8:1::200")),
			      {{kNarrowTable, kForwarded}});
	expect_case_in_tables(to_wide("outside the /64: the scoped /48", to_d("2001:db8:1:9::1")),
			      {{kWideTable, kForwarded}});
}

TEST_F(SourceRules, RuleScopedToAVlanAppliesToItsTaggedFrames)
{
	rule("2001:db8:1::/64", kWideTable, router.vlan_with_address);
	rule("2001:db8:1::/64", kNarrowTable);

	// Tagged frames are not XDP's to rewrite: handed to tc, in the VLAN's table.
	Bytes tagged = R::from_host_on_vlan(R::kVlanWithAddress, kD, "2001:db8:1::200").udp(4000, 53).fill_to_ip_len(200).build();
	XdpResult r = dp.run(tagged, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_PASS));
	EXPECT_EQ(table(kWideTable)[PG_TCNT_MATCHED], 1u) << "the rule scoped to the VLAN device chose the table";
	EXPECT_EQ(table(kNarrowTable)[PG_TCNT_MATCHED], 0u);
	EXPECT_EQ(dp.counters(router.in)[PG_CNT_PASS_NOT_REDIRECTABLE], 1u);

	expect_case_in_tables(to_narrow("untagged: the unscoped rule", to_d("2001:db8:1::200")),
			      {{kNarrowTable, kForwarded}});
}

TEST_F(SourceRules, SourcesWithoutRuleFollowTheKernelsOwnRules)
{
	router.ns.ip({"-6", "rule", "add", "from", "2001:db8:9::/64", "lookup", std::to_string(kWideTable)});
	rule("2001:db8:1::/64", kNarrowTable);

	expect_case_in_tables(to_wide("kernel rule from 2001:db8:9::/64 lookup 100", to_d("2001:db8:9::1")), {});
	expect_case_in_tables(pass_case("no rule at all: main, via the unattached spare", to_d("2001:db8:8::1"),
					PG_CNT_PASS_NOT_REDIRECTABLE),
			      {});
}

TEST_F(SourceRules, EachTablesEgressMtuDecides)
{
	rule("2001:db8:1::/64", kWideTable);
	rule("2001:db8:1::100/128", kNarrowTable);

	expect_case_in_tables(to_wide("1400 B in the table of the 1500 link: forwarded", to_d("2001:db8:1::200", 1400)),
			      {{kWideTable, kForwarded}});
	expect_case_in_tables(ptb_case("1400 B in the table of the 1280 link: PTB", to_d(R::kHost, 1400), R::kNarrowMtu),
			      {{kNarrowTable, kOversize}});
	expect_case_in_tables(to_narrow("1280 B in the table of the 1280 link: forwarded", to_d(R::kHost, 1280)),
			      {{kNarrowTable, kForwarded}});
}

TEST_F(SourceRules, TableThatLosesItsRouteDropsInsteadOfFallingBack)
{
	rule("2001:db8:1::/64", kWideTable);
	expect_case_in_tables(to_wide("table 100 routes D", to_d(R::kHost)), {{kWideTable, kForwarded}});
	router.ns.ip({"-6", "route", "flush", "table", std::to_string(kWideTable)});
	expect_case_in_tables(dropped_no_route("table 100 flushed: dropped, not routed by main", to_d(R::kHost)),
			      {{kWideTable, kNoRoute}});
}

TEST_F(SourceRules, TrafficForTheRouterItselfIsDelivered)
{
	rule("2001:db8:1::/64", kTableWithoutD);
	// Table 300 has no route to either: without the local check both would drop.
	for (const char *own : {R::kInAddress, "2001:db8:3::1"})
		expect_case_in_tables(pass_case(std::string("to the router's own ") + own,
						R::from_host(own).udp(4000, 22).fill_to_ip_len(200).build(),
						PG_CNT_PASS_NOT_FORWARDED),
				      {{kTableWithoutD, kMatchedOnly}});
	expect_case_in_tables(dropped_no_route("to a neighbour of the router on `in`, not the router",
					       R::from_host("2001:db8:1::7").udp(4000, 22).fill_to_ip_len(200).build()),
			      {{kTableWithoutD, kNoRoute}});
}

TEST_F(SourceRules, ReplaceMovesARuleToAnotherTableInOneStep)
{
	rule("2001:db8:1::/64", kNarrowTable);
	expect_case_in_tables(to_narrow("before", to_d(R::kHost)), {{kNarrowTable, kForwarded}});
	replace_source_rule(dp.maps(), {Ipv6Prefix::parse("2001:db8:1::/64"), 0, kWideTable});
	expect_case_in_tables(to_wide("after", to_d(R::kHost)), {{kWideTable, kForwarded}});
	auto tables = dp.maps().counted_tables();
	EXPECT_EQ(std::count(tables.begin(), tables.end(), kNarrowTable), 0) << "no rule uses table 200 any more";
	EXPECT_THROW(replace_source_rule(dp.maps(), {Ipv6Prefix::parse("2001:db8:2::/64"), 0, kWideTable}), Error);
	EXPECT_THROW(replace_source_rule(dp.maps(), {Ipv6Prefix::parse("2001:db8:1::/64"), 0, 4242}), Error)
		<< "a table without routes";
	EXPECT_EQ(dp.maps().rule(Ipv6Prefix::parse("2001:db8:1::/64"), 0)->table, kWideTable);
}

// What XDP leaves in front of a frame it hands to pmtuguard_tc_handoff.
pg_handoff handoff_of(const XdpResult &r, const Bytes &input)
{
	pg_handoff h{};
	EXPECT_EQ(r.frame.size(), input.size() + sizeof(h)) << "BPF_PROG_TEST_RUN returns the metadata before the frame";
	if (r.frame.size() != input.size() + sizeof(h))
		return h;
	std::memcpy(&h, r.frame.data(), sizeof(h));
	EXPECT_TRUE(std::equal(input.begin(), input.end(), r.frame.begin() + sizeof(h))) << "the frame itself untouched";
	return h;
}

TEST_F(SourceRules, XdpHandsWhatItCannotSendToTcWithItsNextHop)
{
	rule("2001:db8:1::/64", kUnresolvedTable);
	rule("2001:db8:1::100/128", kSpareTable);

	Bytes unresolved = to_d("2001:db8:1::200");
	XdpResult r = dp.run(unresolved, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_PASS));
	pg_handoff h = handoff_of(r, unresolved);
	EXPECT_EQ(h.magic, PG_HANDOFF_MAGIC);
	EXPECT_EQ(h.table, kUnresolvedTable);
	EXPECT_EQ(h.egress_ifindex, static_cast<uint32_t>(router.wide));
	EXPECT_EQ(std::memcmp(h.nexthop, ip6(kUnresolvedNextHop).data(), 16), 0) << "the gateway, for bpf_redirect_neigh";
	EXPECT_EQ(dp.counters(router.in)[PG_CNT_PASS_NO_NEIGHBOUR], 1u);

	Bytes to_spare = to_d(R::kHost);
	r = dp.run(to_spare, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_PASS));
	h = handoff_of(r, to_spare);
	EXPECT_EQ(h.magic, PG_HANDOFF_MAGIC);
	EXPECT_EQ(h.table, kSpareTable);
	EXPECT_EQ(h.egress_ifindex, static_cast<uint32_t>(router.spare));
	EXPECT_EQ(std::memcmp(h.nexthop, ip6(kSpareNextHop).data(), 16), 0);
	EXPECT_EQ(dp.counters(router.in)[PG_CNT_PASS_NOT_REDIRECTABLE], 1u);
	EXPECT_EQ(table(kUnresolvedTable)[PG_TCNT_MATCHED], 1u);
	EXPECT_EQ(table(kSpareTable)[PG_TCNT_MATCHED], 1u);

	// Without a rule, the same situations go to the kernel unmarked.
	Bytes unmatched = to_d("2001:db8:8::1");
	r = dp.run(unmatched, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_PASS));
	EXPECT_EQ(r.frame, unmatched) << "no metadata for a packet no rule routed";
}

// While 100,000 rules come and go, every packet is routed in a table the
// operator configured for its source at that moment: the stable /48's or
// the flapping /64's, never main's or the churning rules' table.
TEST_F(SourceRules, RuleChurnNeverRoutesAPacketInAnotherTable)
{
	constexpr int kChurnRules = 100000;
	rule("2001:db8:1::/48", kWideTable);
	rule("2001:db8:1::/64", kNarrowTable); // the flapping one; the counters of 200 stay
	dp.maps().ensure_table_counters(kTableWithoutD);
	std::atomic<bool> done = false;
	std::string writer_error;
	bool flapping_present = true;

	std::thread writer([&] {
		try {
			Ipv6Prefix flapping = Ipv6Prefix::parse("2001:db8:1::/64");
			auto churn_prefix = [](int i) {
				Ipv6Prefix p = Ipv6Prefix::parse("2001:db8:f000::/36");
				p.len = 64;
				p.addr[4] = static_cast<uint8_t>(0xf0 | ((i >> 24) & 0x0f));
				p.addr[5] = static_cast<uint8_t>(i >> 16);
				p.addr[6] = static_cast<uint8_t>(i >> 8);
				p.addr[7] = static_cast<uint8_t>(i);
				return p;
			};
			for (int i = 0; i < kChurnRules; i++) {
				dp.maps().rule_add({churn_prefix(i), 0, kTableWithoutD});
				if (i % 1000 == 0) {
					if (flapping_present)
						dp.maps().rule_del(flapping, 0);
					else
						dp.maps().rule_add({flapping, 0, kNarrowTable});
					flapping_present = !flapping_present;
				}
			}
			for (int i = 0; i < kChurnRules; i++)
				dp.maps().rule_del(churn_prefix(i), 0);
		} catch (const std::exception &e) {
			writer_error = e.what();
		}
		done = true;
	});

	Bytes probe = to_d("2001:db8:1::200");
	uint64_t runs = 0, wide = 0, narrow = 0;
	std::string unexpected;
	while (!done) {
		XdpResult r = dp.run(probe, router.in);
		runs++;
		Dissected d = dissect(r.frame);
		if (r.action == XDP_REDIRECT && d.dst == R::kWideNextHopMac)
			wide++;
		else if (r.action == XDP_REDIRECT && d.dst == R::kNarrowNextHopMac)
			narrow++;
		else if (unexpected.empty())
			unexpected = "action " + xdp_action_name(r.action) + " to " + format_mac(d.dst);
	}
	writer.join();
	ASSERT_EQ(writer_error, "");
	EXPECT_EQ(unexpected, "") << "a packet left by neither configured table";
	EXPECT_GT(runs, 1000u) << "the datapath must have run while the rules changed";
	EXPECT_EQ(wide + narrow, runs);
	EXPECT_EQ(table(kWideTable)[PG_TCNT_MATCHED], wide);
	EXPECT_EQ(table(kNarrowTable)[PG_TCNT_MATCHED], narrow);
	EXPECT_EQ(table(kTableWithoutD)[PG_TCNT_MATCHED], 0u);
	EXPECT_EQ(dp.maps().rules().size(), flapping_present ? 2u : 1u) << "the churn rules are gone again";
	EXPECT_GT(narrow, 0u) << "the flapping rule was in place for part of the run";
}

} // namespace
} // namespace pmtuguard::test
