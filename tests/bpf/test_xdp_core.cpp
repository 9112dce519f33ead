// The XDP datapath frame by frame under BPF_PROG_TEST_RUN: what it returns,
// the exact bytes it leaves, and the counters it moves. The router is
// support/router.h; every case states its input, action, output and counter
// deltas, and expect_case() also checks the counter invariants after it.
// Rate limits are in test_xdp_ratelimit.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/checksum.h"
#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using XdpCore = XdpRouterTest;
using R = Router;

TEST_F(XdpCore, PacketTooBigFollowsRfc4443ByteForByte)
{
	Bytes input = echo(R::kBehindNarrow, 1400);
	XdpResult r = dp.run(input, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_TX));

	ASSERT_EQ(r.frame.size(), 1294u) << "14 B Ethernet + 1280 B IPv6";
	Dissected d = dissect(r.frame);
	EXPECT_EQ(format_mac(d.dst), format_mac(R::kHostMac)) << "back to the sender";
	EXPECT_EQ(format_mac(d.src), format_mac(R::kInMac));
	EXPECT_TRUE(d.vlan_ids.empty());
	ASSERT_TRUE(d.ipv6);
	EXPECT_EQ(d.ipv6->version, 6);
	EXPECT_EQ(d.ipv6->traffic_class, 0);
	EXPECT_EQ(d.ipv6->flow_label, 0u);
	EXPECT_EQ(d.ipv6->payload_len, 1240);
	EXPECT_EQ(d.ipv6->next_header, kProtoIcmpv6);
	EXPECT_EQ(d.ipv6->hop_limit, 255);
	EXPECT_EQ(format_ipv6_address(d.ipv6->src), format_ipv6_address(in_source))
		<< "the ptb_source of the ingress interface";
	EXPECT_TRUE(format_ipv6_address(in_source) == R::kInAddress || format_ipv6_address(in_source) == R::kInSecondAddress)
		<< "one of the ingress interface's global addresses";
	EXPECT_EQ(format_ipv6_address(d.ipv6->dst), R::kHost) << "the invoking packet's source";
	ASSERT_TRUE(d.icmpv6);
	EXPECT_EQ(d.icmpv6->type, kIcmpv6PacketTooBig);
	EXPECT_EQ(d.icmpv6->code, 0);
	EXPECT_EQ(d.icmpv6->word, R::kNarrowMtu);
	ASSERT_EQ(d.icmpv6->body.size(), 1232u);
	EXPECT_TRUE(std::equal(d.icmpv6->body.begin(), d.icmpv6->body.end(), input.begin() + kEthHeaderLen))
		<< "the quote is the start of the invoking IPv6 packet";
	EXPECT_TRUE(icmpv6_checksum_ok(r.frame, d));

	// The checksum check is not vacuous: any flipped bit in the quote fails it.
	Bytes corrupted = r.frame;
	corrupted[r.frame.size() - 100] ^= 0x10;
	EXPECT_FALSE(icmpv6_checksum_ok(corrupted, dissect(corrupted)));

	std::string diff = describe_difference(expected_ptb(input, in_source, R::kNarrowMtu), r.frame);
	EXPECT_TRUE(diff.empty()) << diff;
	expect_counter_invariants(dp.counters(router.in));
}

TEST_F(XdpCore, ChecksumIsRightForOddLengthsAndAnyPayload)
{
	// The quote is always 1232 bytes, but what it holds varies: a UDP and a
	// TCP packet of odd length, to catch a checksum that only works for ICMPv6.
	for (Bytes input : {R::from_host(R::kBehindNarrow).udp(4000, 53).fill_to_ip_len(1333).build(),
			    R::from_host(R::kBehindNarrow).tcp(40000, 443, 0x10).fill_to_ip_len(1499).build()}) {
		XdpResult r = dp.run(input, router.in);
		ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_TX));
		Dissected d = dissect(r.frame);
		EXPECT_TRUE(icmpv6_checksum_ok(r.frame, d));
		// The same with the sum recomputed here from raw bytes.
		Bytes pseudo(d.ipv6->src.begin(), d.ipv6->src.end());
		pseudo.insert(pseudo.end(), d.ipv6->dst.begin(), d.ipv6->dst.end());
		pseudo.insert(pseudo.end(), {0, 0, 0x04, 0xd8, 0, 0, 0, kProtoIcmpv6}); // 1240, next header 58
		pseudo.insert(pseudo.end(), r.frame.begin() + d.icmpv6->offset, r.frame.end());
		EXPECT_EQ(internet_checksum(pseudo), 0);
	}
}

TEST_F(XdpCore, DeviceMtuBoundary)
{
	expect_cases(device_mtu_boundary_cases());
}

TEST_F(XdpCore, LockedRouteMtuBoundary)
{
	expect_cases({
		forward_case("exactly the locked 1280: forwarded", echo(R::kBehindLockedRoute, 1280), R::kWideMac,
			     R::kWideNextHopMac),
		ptb_case("locked MTU + 1", echo(R::kBehindLockedRoute, 1281), R::kLockedRouteMtu),
		ptb_case("locked MTU + 40", echo(R::kBehindLockedRoute, 1320), R::kLockedRouteMtu),
		forward_case("same link, unlocked route: 1500 fits", echo(R::kBehindWide, 1500), R::kWideMac,
			     R::kWideNextHopMac),
	});
}

TEST_F(XdpCore, MtuPolicyBoundary)
{
	dp.maps().mtu_add(Ipv6Prefix::parse("2001:db8:30:14::/64"), 1400);
	const char *dst = "2001:db8:30:14::5";
	expect_cases({
		forward_case("exactly the policy's 1400: forwarded", echo(dst, 1400), R::kWideMac, R::kWideNextHopMac),
		ptb_case("policy MTU + 1", echo(dst, 1401), 1400),
		ptb_case("policy MTU + 40", echo(dst, 1440), 1400),
		forward_case("outside the policy prefix the link's 1500 applies", echo(R::kBehindWide, 1500), R::kWideMac,
			     R::kWideNextHopMac),
	});
}

TEST_F(XdpCore, MtuPolicyNeverGoesBelow1280NorAboveTheLink)
{
	dp.maps().mtu_add(Ipv6Prefix::parse("2001:db8:30:12::/64"), 1200);
	dp.maps().mtu_add(Ipv6Prefix::parse("2001:db8:20:90::/64"), 9000);
	expect_cases({
		forward_case("policy 1200 is raised to the IPv6 minimum: 1280 fits", echo("2001:db8:30:12::5", 1280),
			     R::kWideMac, R::kWideNextHopMac),
		ptb_case("policy 1200 advertises 1280", echo("2001:db8:30:12::5", 1281), 1280),
		ptb_case("policy 9000 on a 1280 link: the link wins", echo("2001:db8:20:90::5", 1281), R::kNarrowMtu),
	});
}

TEST_F(XdpCore, VlanTaggedFrames)
{
	Bytes oversize_tagged =
		R::from_host_on_vlan(R::kVlanWithAddress, R::kBehindNarrow).icmpv6_echo(1, 1).fill_to_ip_len(1400).build();
	XdpResult r = dp.run(oversize_tagged, router.in);
	ASSERT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_TX));
	Dissected d = dissect(r.frame);
	EXPECT_EQ(d.vlan_ids, std::vector<uint16_t>{R::kVlanWithAddress}) << "the PTB keeps the tag";
	EXPECT_EQ(r.frame.size(), 1298u);
	ASSERT_TRUE(d.ipv6);
	EXPECT_EQ(format_ipv6_address(d.ipv6->src), R::kVlan100Address) << "the VLAN interface's own address";
	EXPECT_TRUE(icmpv6_checksum_ok(r.frame, d));

	Bytes pass_output = R::from_host_on_vlan(R::kVlanWithAddress, R::kBehindWide).udp(1, 2).payload(100).build();
	expect_cases({
		ptb_case("tagged, too big: the whole expected frame",
			 R::from_host_on_vlan(R::kVlanWithAddress, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1281).build(),
			 R::kNarrowMtu, ip6(R::kVlan100Address)),
		pass_case("tagged and fits: the kernel forwards tagged frames", pass_output,
			  PG_CNT_PASS_NOT_REDIRECTABLE),
		pass_case("a VLAN pmtuguard was not told about",
			  R::from_host_on_vlan(300, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1400).build(),
			  PG_CNT_PASS_UNCONFIGURED),
	});
}

TEST_F(XdpCore, OversizeWithoutSourceAddressIsLeftToTheKernel)
{
	// Spelled out, since oversize + a pass is not one of the helpers' shapes.
	Bytes input = R::from_host_on_vlan(R::kVlanWithoutAddress, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1400).build();
	expect_case(dp, {"VLAN without a global address", router.in, input, XDP_PASS, input,
			 oversize(PG_CNT_PTB_SUPP_NO_ADDRESS)});
}

// An ICMPv6 error of `type` from the host, quoting a packet, behind `ext`.
Bytes icmp_error(std::string_view dst, size_t ip_len, uint8_t type, void (*ext)(Packet &))
{
	Packet p = R::from_host(dst);
	ext(p);
	return p.icmpv6(type, 0).fill_to_ip_len(ip_len).build();
}

TEST_F(XdpCore, ExtensionHeadersBeforeIcmpv6)
{
	struct Chain {
		const char *name;
		void (*add)(Packet &);
	};
	const Chain chains[] = {
		{"no extension header", [](Packet &) {}},
		{"hop-by-hop", [](Packet &p) { p.ext_hopbyhop(); }},
		{"destination options", [](Packet &p) { p.ext_dstopts(16); }},
		{"routing", [](Packet &p) { p.ext_routing(); }},
		{"first fragment", [](Packet &p) { p.ext_fragment(0, true); }},
		{"hop-by-hop, destination options, routing, fragment",
		 [](Packet &p) { p.ext_hopbyhop().ext_dstopts().ext_routing(40).ext_fragment(0, true); }},
	};
	std::vector<XdpCase> cases;
	for (const auto &chain : chains) {
		std::string name = chain.name;
		cases.push_back(drop_case(name + " + Destination Unreachable: no error about an error",
					  icmp_error(R::kBehindNarrow, 1400, kIcmpv6DestUnreachable, chain.add),
					  PG_CNT_PTB_SUPP_ICMP_ERROR));
		cases.push_back(drop_case(name + " + Time Exceeded",
					  icmp_error(R::kBehindNarrow, 1300, kIcmpv6TimeExceeded, chain.add),
					  PG_CNT_PTB_SUPP_ICMP_ERROR));
		cases.push_back(ptb_case(name + " + echo request: PTB, quoting the headers",
					 icmp_error(R::kBehindNarrow, 1400, kIcmpv6EchoRequest, chain.add), R::kNarrowMtu));
	}
	expect_cases(cases);
}

TEST_F(XdpCore, LaterFragmentHidesTheUpperLayerSoItIsAnswered)
{
	// Offset 1232 B: the ICMPv6 header is in the first fragment, not here.
	Bytes later_fragment = R::from_host(R::kBehindNarrow).ext_fragment(154, true).payload(1360).build();
	expect_cases({ptb_case("a later fragment", later_fragment, R::kNarrowMtu)});
}

TEST_F(XdpCore, PacketTooBigInTransitIsCountedAndNeverAnswered)
{
	Bytes ptb_fits = R::from_host(R::kBehindWide).icmpv6(kIcmpv6PacketTooBig, 0, 1400).payload(200).build();
	Bytes ptb_too_big = R::from_host(R::kBehindNarrow).icmpv6(kIcmpv6PacketTooBig, 0, 1500).fill_to_ip_len(1300).build();
	const CounterDeltas received_1400 = {
		{PG_CNT_PTB_RECEIVED, 1}, {PG_CNT_PTB_RECEIVED_MTU_SUM, 1400}, {PG_CNT_PTB_RECEIVED_MTU_LE_1400, 1}};
	const CounterDeltas received_1500 = {
		{PG_CNT_PTB_RECEIVED, 1}, {PG_CNT_PTB_RECEIVED_MTU_SUM, 1500}, {PG_CNT_PTB_RECEIVED_MTU_LE_1500, 1}};
	XdpCase forwarded_ptb = forward_case("a PTB that fits is forwarded", ptb_fits, R::kWideMac, R::kWideNextHopMac);
	forwarded_ptb.counters = forwarded_ptb.counters + received_1400;
	XdpCase oversize_ptb = drop_case("a PTB too big for the next link", ptb_too_big, PG_CNT_PTB_SUPP_ICMP_ERROR);
	oversize_ptb.counters = oversize_ptb.counters + received_1500;
	expect_cases({forwarded_ptb, oversize_ptb});
}

TEST_F(XdpCore, SourcesThatDoNotIdentifyOneNodeGetNoPtb)
{
	expect_cases({
		drop_case("multicast source", echo(R::kBehindNarrow, 1400, "ff0e::1"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("unspecified source", echo(R::kBehindNarrow, 1400, "::"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("loopback source", echo(R::kBehindNarrow, 1400, "::1"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("IPv4-mapped source", echo(R::kBehindNarrow, 1400, "::ffff:192.0.2.1"),
			  PG_CNT_PTB_SUPP_BAD_SOURCE),
		pass_case("link-local source: the kernel's to route", echo(R::kBehindNarrow, 1400, "fe80::1"),
			  PG_CNT_PASS_NOT_FORWARDED),
	});
}

TEST_F(XdpCore, SubnetRouterAnycastSourceGetsPtb)
{
	// RFC 4443 §2.4 e would refuse it; pmtuguard answers on purpose, or that
	// host never learns its path MTU.
	Bytes input = echo(R::kBehindNarrow, 1400, R::kSubnetRouterAnycast);
	expect_cases({ptb_case("source 2001:db8:1::1:0, the anycast of our /112", input, R::kNarrowMtu)});
	EXPECT_EQ(format_ipv6_address(dissect(dp.run(input, router.in).frame).ipv6->dst), R::kSubnetRouterAnycast);
}

TEST_F(XdpCore, ObserveModeCountsAndPassesUntouched)
{
	dp.attach(router.in, /*observe=*/true);
	expect_cases(observe_mode_cases());
}

TEST_F(XdpCore, WhatIsNotOursToForwardGoesToTheKernelUntouched)
{
	const Bytes arp = Packet()
				  .eth(R::kHostMac, R::kInMac)
				  .ethertype_payload(kEthArp, {0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 2, 192, 0, 2, 1, 0, 0,
							       0, 0, 0, 0, 192, 0, 2, 2})
				  .build();
	Bytes ipv4(1400, 0);
	ipv4[0] = 0x45;
	ipv4[2] = 1400 >> 8;
	ipv4[3] = 1400 & 0xff;
	ipv4[8] = 64;
	const Bytes ipv4_frame = Packet().eth(R::kHostMac, R::kInMac).ethertype_payload(kEthIpv4, ipv4).build();

	Bytes short_frame = echo(R::kBehindNarrow, 1400);
	short_frame.resize(1000); // payload length says 1360
	Bytes cut_header = echo(R::kBehindNarrow, 1400);
	cut_header.resize(kEthHeaderLen + 30);
	Bytes wrong_version = echo(R::kBehindNarrow, 1400);
	wrong_version[kEthHeaderLen] = 0x45;

	expect_cases({
		pass_case("ARP", arp, PG_CNT_PASS_NOT_IPV6, false),
		pass_case("IPv4, even when big", ipv4_frame, PG_CNT_PASS_NOT_IPV6, false),
		pass_case("payload length beyond the frame", short_frame, PG_CNT_PASS_MALFORMED),
		pass_case("IPv6 header cut short", cut_header, PG_CNT_PASS_MALFORMED),
		pass_case("version 4 in an IPv6 EtherType", wrong_version, PG_CNT_PASS_MALFORMED),
		pass_case("link-local destination", echo("fe80::5", 1400), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("multicast destination", echo("ff0e::5", 1400), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("the router's own address", echo(R::kInAddress, 1400), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("hop limit 1, too big: Time Exceeded comes first",
			  R::from_host(R::kBehindNarrow).hop_limit(1).icmpv6_echo(1, 1).fill_to_ip_len(1400).build(),
			  PG_CNT_PASS_HOP_LIMIT),
		pass_case("hop limit 0", R::from_host(R::kBehindWide).hop_limit(0).udp(1, 2).payload(10).build(),
			  PG_CNT_PASS_HOP_LIMIT),
		pass_case("unreachable route", echo(R::kUnreachable, 1400), PG_CNT_PASS_NO_ROUTE),
		pass_case("next hop not resolved", echo(R::kUnresolvedNextHop, 1400), PG_CNT_PASS_NO_NEIGHBOUR),
		pass_case("egress without pmtuguard", echo(R::kBehindSpare, 1400), PG_CNT_PASS_NOT_REDIRECTABLE),
	});
}

TEST_F(XdpCore, HopLimitTwoIsForwardedWithOneLeft)
{
	Bytes input = R::from_host(R::kBehindWide).hop_limit(2).udp(1, 2).payload(64).build();
	XdpCase c = forward_case("hop limit 2", input, R::kWideMac, R::kWideNextHopMac);
	expect_cases({c});
	EXPECT_EQ(dissect(c.output).ipv6->hop_limit, 1);
}

TEST_F(XdpCore, UnattachedIngressIsNotCounted)
{
	// No counters entry: the program must not invent one or touch the frame.
	Bytes input = echo(R::kBehindNarrow, 1400);
	XdpResult r = dp.run(input, router.spare);
	EXPECT_EQ(xdp_action_name(r.action), xdp_action_name(XDP_PASS));
	EXPECT_EQ(r.frame, input);
	expect_not_counted(dp.maps(), router.spare);
}

} // namespace
} // namespace pmtuguard::test
