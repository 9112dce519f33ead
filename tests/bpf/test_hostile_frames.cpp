// Frames the fuzzer (tools/fuzz/fuzz_datapath) found or aims at, as exact
// cases: extension-header chains longer than the datapath walks, QinQ, and
// frames BPF_PROG_TEST_RUN hands over in fragments.
#include <gtest/gtest.h>

#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using XdpHostile = XdpRouterTest;
using R = Router;

Packet &destination_options(Packet &p, int count)
{
	for (int i = 0; i < count; i++)
		p.ext_dstopts();
	return p;
}

TEST_F(XdpHostile, IcmpErrorBehindALongerChainThanTheWalkIsNotAnswered)
{
	// The walk follows 8 headers; the 9th could hide anything.
	Packet nine = R::from_host(R::kBehindNarrow);
	Bytes error_behind_nine =
		destination_options(nine, 9).icmpv6(kIcmpv6DestUnreachable, 0).fill_to_ip_len(1400).build();
	Packet eight = R::from_host(R::kBehindNarrow);
	Bytes error_behind_eight =
		destination_options(eight, 8).icmpv6(kIcmpv6DestUnreachable, 0).fill_to_ip_len(1400).build();
	Packet seven = R::from_host(R::kBehindNarrow);
	Bytes echo_behind_seven = destination_options(seven, 7).icmpv6_echo(1, 1).fill_to_ip_len(1400).build();
	Bytes error_past_1k = R::from_host(R::kBehindNarrow)
				      .ext_dstopts(1048)
				      .icmpv6(kIcmpv6TimeExceeded, 0)
				      .fill_to_ip_len(1400)
				      .build();
	expect_cases({
		drop_case("Destination Unreachable behind 9 headers", error_behind_nine,
			  PG_CNT_PTB_SUPP_UNKNOWN_UPPER),
		drop_case("Destination Unreachable behind 8 headers: found", error_behind_eight,
			  PG_CNT_PTB_SUPP_ICMP_ERROR),
		drop_case("Time Exceeded behind 1048 bytes of options", error_past_1k, PG_CNT_PTB_SUPP_UNKNOWN_UPPER),
		ptb_case("echo request behind 7 headers: answered", echo_behind_seven, R::kNarrowMtu),
	});
}

TEST_F(XdpHostile, LaterFragmentsAreStillAnswered)
{
	// Only the first fragment carries the upper layer; a later one is a
	// fragment of a packet whose first fragment decided.
	Packet p = R::from_host(R::kBehindNarrow);
	Bytes later = destination_options(p, 3).ext_fragment(200, true).payload(1300).build();
	expect_cases({ptb_case("later fragment behind 3 headers", later, R::kNarrowMtu)});
}

TEST_F(XdpHostile, QinQFramesAreAnsweredWithBothTags)
{
	// The outer (802.1ad) tag selects the configuration; both go back.
	Packet p;
	p.eth(R::kHostMac, R::kInMac).vlan(R::kVlanWithAddress, kEthQinQ).vlan(7).ipv6(R::kHost, R::kBehindNarrow);
	Bytes input = p.icmpv6_echo(1, 1).fill_to_ip_len(1400).build();
	XdpResult r = dp.run(input, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_TX));
	Dissected d = dissect(r.frame);
	EXPECT_EQ(d.vlan_ids, (std::vector<uint16_t>{R::kVlanWithAddress, 7}));
	std::string diff = describe_difference(expected_ptb(input, ip6(R::kVlan100Address), R::kNarrowMtu), r.frame);
	EXPECT_TRUE(diff.empty()) << diff;
}

TEST_F(XdpHostile, FrameInFragmentsBecomesAWholePtb)
{
	// test_run keeps about 3.5 KiB linear and the rest as fragments, even
	// for a program that is not frags-aware: bytes after the IPv6 packet
	// land there, and must not trail the PTB.
	Bytes packet = echo(R::kBehindNarrow, 1400);
	Bytes input = packet;
	input.resize(packet.size() + 3000, 0xee);
	XdpResult r = dp.run(input, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_TX));
	std::string diff = describe_difference(expected_ptb(packet, in_source, R::kNarrowMtu), r.frame);
	EXPECT_TRUE(diff.empty()) << diff;
}

} // namespace
} // namespace pmtuguard::test
