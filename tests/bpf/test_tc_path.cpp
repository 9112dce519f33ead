// The tc programs frame by frame under BPF_PROG_TEST_RUN on an __sk_buff:
//   - tc ingress (`attach --mode tc`) does what XDP does with the same frame
//     and moves the same counters: each case is stated once, as an XDP case,
//     and run through both datapaths;
//   - tc egress (`attach --egress`) answers a packet leaving by an interface
//     that is too big for it, and lets the rest go;
//   - a GSO skb is judged by the size of its segments, not by its length;
//   - `--clamp-mss` lowers the MSS of SYNs and SYN-ACKs on every hook.
// The router is support/router.h; each case states its input, return code,
// output bytes and counter deltas.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <string>
#include <vector>

#include "lib/datapath.h"
#include "support/skb_datapath.h"
#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using R = Router;

constexpr const char *kNarrowAddress = "2001:db8:2::1";
constexpr const char *kWideAddress = "2001:db8:3::1";

struct TcCase {
	std::string description;
	SkbProgram program = SkbProgram::Ingress;
	int ifindex = 0;
	Bytes input;
	SkbGso gso{};
	int action = TC_ACT_OK;
	Bytes output;           // the exact frame expected back
	CounterDeltas counters; // on ifindex
};

void expect_tc_case(SkbDatapath &dp, const TcCase &c)
{
	SCOPED_TRACE(std::string(c.program == SkbProgram::Ingress ? "tc ingress" : "tc egress") +
		     " case: " + c.description);
	CounterValues before = dp.counters(c.ifindex);
	SkbResult r = dp.run(c.program, c.input, c.ifindex, c.gso);
	CounterValues after = dp.counters(c.ifindex);

	EXPECT_EQ(tc_action_name(r.action), tc_action_name(c.action));
	std::string diff = describe_difference(c.output, r.frame);
	EXPECT_TRUE(diff.empty()) << "output frame differs: " << diff;
	expect_counter_deltas(before, after, c.counters);
}

// The frame with its hop limit one less and nothing else changed: what tc
// leaves when it forwards with bpf_redirect_neigh, which writes the MACs
// later, on the way out.
Bytes hop_taken(std::span<const uint8_t> frame)
{
	Dissected d = dissect(frame);
	return expected_forwarded(frame, d.src, d.dst);
}

// What tc ingress must do with the frame of an XDP case: the same decision in
// tc's return codes, and the same counters. A PTB is the same frame, sent
// back out of the ingress device by bpf_redirect.
TcCase tc_counterpart(const XdpCase &c)
{
	TcCase t{c.description, SkbProgram::Ingress, c.ingress_ifindex, c.input, {}, TC_ACT_OK, c.output, c.counters};
	switch (c.action) {
	case XDP_TX:
		t.action = TC_ACT_REDIRECT;
		break;
	case XDP_REDIRECT:
		t.action = TC_ACT_REDIRECT;
		t.output = hop_taken(c.input);
		break;
	case XDP_DROP:
		t.action = TC_ACT_SHOT;
		break;
	default:
		t.action = TC_ACT_OK;
		break;
	}
	return t;
}

// `pmtuguard attach IFACE --clamp-mss [--observe]` in the given mode, as the
// CLI writes it.
void attach_clamping(PinnedMaps &maps, int ifindex, pg_attach_mode mode, bool observe = false)
{
	AttachOptions opts;
	opts.mode = mode;
	opts.clamp_mss = true;
	opts.observe = observe;
	configure_interface(maps, ifindex, opts);
}

// Both datapaths on the router, attached alike: XDP (dp) and tc (skb).
class TcPath : public XdpRouterTest {
protected:
	void SetUp() override
	{
		XdpRouterTest::SetUp();
		for (int ifindex : {router.in, router.narrow, router.wide})
			skb.attach(ifindex);
		skb.attach_vlan(router.in, R::kVlanWithAddress, router.vlan_with_address);
		skb.attach_vlan(router.in, R::kVlanWithoutAddress, router.vlan_without_address);
	}

	// Each case through XDP, and its counterpart through tc ingress: both are
	// held to the same counter deltas, so they are equal to each other.
	void expect_same_as_xdp(const std::vector<XdpCase> &cases)
	{
		for (const auto &c : cases) {
			expect_case(dp, c);
			expect_tc_case(skb, tc_counterpart(c));
		}
	}

	void expect_tc_cases(const std::vector<TcCase> &cases)
	{
		for (const auto &c : cases)
			expect_tc_case(skb, c);
	}

	void mtu_policy(std::string_view prefix, uint32_t mtu)
	{
		dp.maps().mtu_add(Ipv6Prefix::parse(prefix), mtu);
		skb.maps().mtu_add(Ipv6Prefix::parse(prefix), mtu);
	}

	SkbDatapath skb;
};

// -- tc ingress: the XDP datapath's behaviour from the same code ---------------

TEST_F(TcPath, IngressPtbIsTheXdpPtbByteForByte)
{
	Bytes input = echo(R::kBehindNarrow, 1400);
	XdpResult from_xdp = dp.run(input, router.in);
	SkbResult from_tc = skb.run(SkbProgram::Ingress, input, router.in);

	ASSERT_EQ(xdp_action_name(from_xdp.action), xdp_action_name(XDP_TX));
	ASSERT_EQ(tc_action_name(from_tc.action), tc_action_name(TC_ACT_REDIRECT));
	std::string diff = describe_difference(from_xdp.frame, from_tc.frame);
	EXPECT_TRUE(diff.empty()) << "tc's PTB differs from XDP's: " << diff;
	diff = describe_difference(expected_ptb(input, in_source, R::kNarrowMtu), from_tc.frame);
	EXPECT_TRUE(diff.empty()) << diff;
	Dissected d = dissect(from_tc.frame);
	EXPECT_TRUE(icmpv6_checksum_ok(from_tc.frame, d));
	EXPECT_EQ(format_ipv6_address(d.ipv6->dst), R::kHost);
}

TEST_F(TcPath, IngressMtuBoundariesAsXdp)
{
	mtu_policy("2001:db8:30:14::/64", 1400);
	expect_same_as_xdp(device_mtu_boundary_cases());
	expect_same_as_xdp({
		ptb_case("UDP of odd length", R::from_host(R::kBehindNarrow).udp(4000, 53).fill_to_ip_len(1333).build(),
			 R::kNarrowMtu),
		forward_case("exactly the locked route's 1280", echo(R::kBehindLockedRoute, 1280), R::kWideMac,
			     R::kWideNextHopMac),
		ptb_case("locked route MTU + 1", echo(R::kBehindLockedRoute, 1281), R::kLockedRouteMtu),
		forward_case("exactly the policy's 1400", echo("2001:db8:30:14::5", 1400), R::kWideMac, R::kWideNextHopMac),
		ptb_case("policy MTU + 1", echo("2001:db8:30:14::5", 1401), 1400),
		forward_case("1500 B on the 1500 link", echo(R::kBehindWide, 1500), R::kWideMac, R::kWideNextHopMac),
	});
}

TEST_F(TcPath, IngressNeverAnswersWhatRfc4443ForbidsAsXdp)
{
	Bytes ptb_in_transit = R::from_host(R::kBehindWide).icmpv6(kIcmpv6PacketTooBig, 0, 1400).payload(200).build();
	XdpCase forwarded_ptb = forward_case("a PTB in transit is counted and forwarded", ptb_in_transit, R::kWideMac,
					     R::kWideNextHopMac);
	forwarded_ptb.counters = forwarded_ptb.counters + CounterDeltas{{PG_CNT_PTB_RECEIVED, 1},
									{PG_CNT_PTB_RECEIVED_MTU_SUM, 1400},
									{PG_CNT_PTB_RECEIVED_MTU_LE_1400, 1}};
	expect_same_as_xdp({
		pass_case("hop limit 1, too big: Time Exceeded comes first",
			  R::from_host(R::kBehindNarrow).hop_limit(1).icmpv6_echo(1, 1).fill_to_ip_len(1400).build(),
			  PG_CNT_PASS_HOP_LIMIT),
		drop_case("multicast source", echo(R::kBehindNarrow, 1400, "ff0e::1"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("unspecified source", echo(R::kBehindNarrow, 1400, "::"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("loopback source", echo(R::kBehindNarrow, 1400, "::1"), PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("IPv4-mapped source", echo(R::kBehindNarrow, 1400, "::ffff:192.0.2.1"),
			  PG_CNT_PTB_SUPP_BAD_SOURCE),
		drop_case("Destination Unreachable, too big",
			  R::from_host(R::kBehindNarrow).icmpv6(kIcmpv6DestUnreachable, 0).fill_to_ip_len(1400).build(),
			  PG_CNT_PTB_SUPP_ICMP_ERROR),
		drop_case("Time Exceeded behind a hop-by-hop header",
			  R::from_host(R::kBehindNarrow).ext_hopbyhop().icmpv6(kIcmpv6TimeExceeded, 0).fill_to_ip_len(1300).build(),
			  PG_CNT_PTB_SUPP_ICMP_ERROR),
		forwarded_ptb,
		ptb_case("a subnet-router anycast source is answered on purpose",
			 echo(R::kBehindNarrow, 1400, R::kSubnetRouterAnycast), R::kNarrowMtu),
		ptb_case("a later fragment", R::from_host(R::kBehindNarrow).ext_fragment(154, true).payload(1360).build(),
			 R::kNarrowMtu),
	});
}

TEST_F(TcPath, IngressLeavesToTheKernelWhatXdpLeaves)
{
	Bytes short_frame = echo(R::kBehindNarrow, 1400);
	short_frame.resize(1000); // payload length says 1360
	Bytes wrong_version = echo(R::kBehindNarrow, 1400);
	wrong_version[kEthHeaderLen] = 0x45;
	Bytes ipv4(1400, 0);
	ipv4[0] = 0x45;
	ipv4[2] = 1400 >> 8;
	ipv4[3] = 1400 & 0xff;
	ipv4[8] = 64;
	// Spelled out, since oversize + a pass is not one of the helpers' shapes.
	Bytes tagged_without_address =
		R::from_host_on_vlan(R::kVlanWithoutAddress, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1400).build();
	expect_same_as_xdp({
		pass_case("IPv4, even when big", Packet().eth(R::kHostMac, R::kInMac).ethertype_payload(kEthIpv4, ipv4).build(),
			  PG_CNT_PASS_NOT_IPV6, false),
		pass_case("payload length beyond the frame", short_frame, PG_CNT_PASS_MALFORMED),
		pass_case("version 4 in an IPv6 EtherType", wrong_version, PG_CNT_PASS_MALFORMED),
		pass_case("link-local source", echo(R::kBehindNarrow, 1400, "fe80::1"), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("multicast destination", echo("ff0e::5", 1400), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("the router's own address", echo(R::kInAddress, 1400), PG_CNT_PASS_NOT_FORWARDED),
		pass_case("unreachable route", echo(R::kUnreachable, 1400), PG_CNT_PASS_NO_ROUTE),
		pass_case("next hop not resolved", echo(R::kUnresolvedNextHop, 1400), PG_CNT_PASS_NO_NEIGHBOUR),
		pass_case("egress without pmtuguard", echo(R::kBehindSpare, 1400), PG_CNT_PASS_NOT_REDIRECTABLE),
		ptb_case("tagged, too big: the PTB keeps the tag",
			 R::from_host_on_vlan(R::kVlanWithAddress, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1281).build(),
			 R::kNarrowMtu, ip6(R::kVlan100Address)),
		pass_case("tagged and fits: the kernel forwards tagged frames",
			  R::from_host_on_vlan(R::kVlanWithAddress, R::kBehindWide).udp(1, 2).payload(100).build(),
			  PG_CNT_PASS_NOT_REDIRECTABLE),
		pass_case("a VLAN pmtuguard was not told about",
			  R::from_host_on_vlan(300, R::kBehindNarrow).udp(1, 2).fill_to_ip_len(1400).build(),
			  PG_CNT_PASS_UNCONFIGURED),
		{"VLAN without a global address", router.in, tagged_without_address, XDP_PASS, tagged_without_address,
		 oversize(PG_CNT_PTB_SUPP_NO_ADDRESS)},
	});
}

TEST_F(TcPath, IngressObserveModeAsXdp)
{
	dp.attach(router.in, /*observe=*/true);
	skb.attach(router.in, /*observe=*/true);
	expect_same_as_xdp(observe_mode_cases());
}

TEST_F(TcPath, UnattachedDeviceIsNotCounted)
{
	Bytes input = echo(R::kBehindNarrow, 1400);
	SkbResult r = skb.run(SkbProgram::Ingress, input, router.spare);
	EXPECT_EQ(tc_action_name(r.action), tc_action_name(TC_ACT_OK));
	EXPECT_EQ(r.frame, input);
	expect_not_counted(skb.maps(), router.spare);
}

// -- tc egress ------------------------------------------------------------------

// A packet as the kernel sends it out of `narrow` (the router's MAC toward
// the next hop), from src; continue it with the upper layer.
Packet leaving_narrow(std::string_view src = R::kHost, std::string_view dst = R::kBehindNarrow)
{
	Packet p;
	p.eth(R::kNarrowMac, R::kNarrowNextHopMac).ipv6(src, dst).hop_limit(63);
	return p;
}

Packet leaving_wide(std::string_view dst)
{
	Packet p;
	p.eth(R::kWideMac, R::kWideNextHopMac).ipv6(R::kHost, dst).hop_limit(63);
	return p;
}

TEST_F(TcPath, EgressAnswersWhatLeavesTooBig)
{
	ASSERT_EQ(format_ipv6_address(dp.ptb_source(router.narrow)), kNarrowAddress);
	auto egress = [&](std::string description, Bytes input, int action, Bytes output, CounterDeltas counters) {
		return TcCase{std::move(description), SkbProgram::Egress, router.narrow, std::move(input), {}, action,
			      std::move(output), std::move(counters)};
	};
	auto ptb = [&](std::string description, Bytes input) {
		Bytes output = expected_ptb(input, ip6(kNarrowAddress), R::kNarrowMtu);
		return egress(std::move(description), std::move(input), TC_ACT_REDIRECT, std::move(output),
			      oversize(PG_CNT_PTB_SENT));
	};
	auto leaves = [&](std::string description, Bytes input, pg_counter reason = PG_CNT_PASS_EGRESS) {
		Bytes output = input;
		return egress(std::move(description), std::move(input), TC_ACT_OK, std::move(output), passed(reason));
	};
	auto dropped = [&](std::string description, Bytes input, pg_counter reason) {
		Bytes output = input;
		return egress(std::move(description), std::move(input), TC_ACT_SHOT, std::move(output), oversize(reason));
	};
	Bytes ptb_leaving = leaving_narrow().icmpv6(kIcmpv6PacketTooBig, 0, 1400).payload(200).build();
	expect_tc_cases({
		leaves("exactly the 1280 MTU", leaving_narrow().icmpv6_echo(1, 1).fill_to_ip_len(1280).build()),
		ptb("MTU + 1: the PTB goes into the stack, which routes it to the source",
		    leaving_narrow().icmpv6_echo(1, 1).fill_to_ip_len(1281).build()),
		ptb("MTU + 40", leaving_narrow().udp(1, 2).fill_to_ip_len(1320).build()),
		ptb("the router's own packet: its PTB reaches the local socket",
		    leaving_narrow(kNarrowAddress).udp(5000, 5001).fill_to_ip_len(1400).build()),
		ptb("hop limit 1: the hop was counted before egress",
		    leaving_narrow().hop_limit(1).udp(1, 2).fill_to_ip_len(1400).build()),
		dropped("ICMPv6 error, too big",
			leaving_narrow().icmpv6(kIcmpv6DestUnreachable, 0).fill_to_ip_len(1400).build(),
			PG_CNT_PTB_SUPP_ICMP_ERROR),
		dropped("multicast source", leaving_narrow("ff0e::1").udp(1, 2).fill_to_ip_len(1400).build(),
			PG_CNT_PTB_SUPP_BAD_SOURCE),
		leaves("a PTB leaving is not one received", ptb_leaving),
		leaves("link-local destination (neighbour discovery)",
		       leaving_narrow(R::kHost, "fe80::2").icmpv6_echo(1, 1).payload(8).build(), PG_CNT_PASS_NOT_FORWARDED),
	});
}

TEST_F(TcPath, EgressAppliesTheMtuPolicyBelowTheDevice)
{
	mtu_policy("2001:db8:30:14::/64", 1400);
	mtu_policy("2001:db8:30:12::/64", 1200);
	auto leaves = [&](std::string description, const Bytes &input) {
		return TcCase{std::move(description), SkbProgram::Egress, router.wide, input, {}, TC_ACT_OK, input,
			      passed(PG_CNT_PASS_EGRESS)};
	};
	auto ptb = [&](std::string description, const Bytes &input, uint32_t mtu) {
		return TcCase{std::move(description), SkbProgram::Egress, router.wide, input, {}, TC_ACT_REDIRECT,
			      expected_ptb(input, ip6(kWideAddress), mtu), oversize(PG_CNT_PTB_SENT)};
	};
	expect_tc_cases({
		leaves("exactly the policy's 1400", leaving_wide("2001:db8:30:14::5").udp(1, 2).fill_to_ip_len(1400).build()),
		ptb("policy MTU + 1", leaving_wide("2001:db8:30:14::5").udp(1, 2).fill_to_ip_len(1401).build(), 1400),
		ptb("policy MTU + 40", leaving_wide("2001:db8:30:14::5").udp(1, 2).fill_to_ip_len(1440).build(), 1400),
		leaves("outside the prefix the device's 1500", leaving_wide(R::kBehindWide).udp(1, 2).fill_to_ip_len(1500).build()),
		ptb("policy 1200 is raised to 1280", leaving_wide("2001:db8:30:12::5").udp(1, 2).fill_to_ip_len(1281).build(),
		    1280),
		leaves("policy 1200: 1280 fits", leaving_wide("2001:db8:30:12::5").udp(1, 2).fill_to_ip_len(1280).build()),
	});
}

// -- GSO: judged by the segments ------------------------------------------------

// A TCP super-packet of 3000 payload bytes: IPv6 3060 B (3072 B with the
// timestamps option), far above every MTU here, below test_run's one-page
// limit on a linear skb.
constexpr size_t kSuperPayload = 3000;

uint32_t segments(size_t payload, uint32_t gso_size)
{
	return static_cast<uint32_t>((payload + gso_size - 1) / gso_size);
}

TEST_F(TcPath, GsoSkbIsJudgedByItsSegments)
{
	Bytes tcp = R::from_host(R::kBehindNarrow).tcp(40000, 443, kTcpAck).payload(kSuperPayload).build();
	Bytes tcp_with_timestamps =
		R::from_host(R::kBehindNarrow).tcp(40000, 443, kTcpAck).tcp_nop().tcp_nop().tcp_timestamps(7, 9)
			.payload(kSuperPayload).build();
	Bytes udp = R::from_host(R::kBehindNarrow).udp(4000, 4001).payload(kSuperPayload).build();
	Bytes echo_super = echo(R::kBehindNarrow, 40 + kSuperPayload);
	auto gso = [](size_t payload, uint32_t size) { return SkbGso{size, segments(payload, size)}; };
	auto fits = [&](std::string description, const Bytes &input, uint32_t gso_size) {
		return TcCase{std::move(description), SkbProgram::Ingress, router.in, input, gso(kSuperPayload, gso_size),
			      TC_ACT_REDIRECT, hop_taken(input), forwarded()};
	};
	auto ptb = [&](std::string description, const Bytes &input, uint32_t gso_size) {
		return TcCase{std::move(description), SkbProgram::Ingress, router.in, input, gso(kSuperPayload, gso_size),
			      TC_ACT_REDIRECT, expected_ptb(input, in_source, R::kNarrowMtu), oversize(PG_CNT_PTB_SENT)};
	};
	expect_tc_cases({
		fits("TCP, segments of 40 + 20 + 1220 = 1280", tcp, 1220),
		ptb("TCP, segments of 1281: PTB quoting the super-packet's first 1232 bytes", tcp, 1221),
		ptb("TCP, segments of 1460", tcp, 1400),
		fits("TCP with timestamps, 40 + 32 + 1208 = 1280", tcp_with_timestamps, 1208),
		ptb("TCP with timestamps, 40 + 32 + 1209", tcp_with_timestamps, 1209),
		fits("UDP, 40 + 8 + 1232 = 1280", udp, 1232),
		ptb("UDP, 40 + 8 + 1233", udp, 1233),
		{"not GSO: the 3060 B packet itself is too big", SkbProgram::Ingress, router.in, tcp, {},
		 TC_ACT_REDIRECT, expected_ptb(tcp, in_source, R::kNarrowMtu), oversize(PG_CNT_PTB_SENT)},
		{"GSO of ICMPv6: no segment size to judge by, the kernel's", SkbProgram::Ingress, router.in, echo_super,
		 gso(kSuperPayload, 1000), TC_ACT_OK, echo_super, passed(PG_CNT_PASS_GSO_UNSIZED)},
	});
}

TEST_F(TcPath, GsoSkbLeavingIsJudgedByItsSegments)
{
	Bytes tcp = leaving_narrow().tcp(40000, 443, kTcpAck).payload(kSuperPayload).build();
	expect_tc_cases({
		{"segments fit: leaves as it is", SkbProgram::Egress, router.narrow, tcp,
		 SkbGso{1220, segments(kSuperPayload, 1220)}, TC_ACT_OK, tcp, passed(PG_CNT_PASS_EGRESS)},
		{"segments of 1460: PTB into the stack", SkbProgram::Egress, router.narrow, tcp,
		 SkbGso{1400, segments(kSuperPayload, 1400)}, TC_ACT_REDIRECT,
		 expected_ptb(tcp, ip6(kNarrowAddress), R::kNarrowMtu), oversize(PG_CNT_PTB_SENT)},
	});
}

// -- MSS clamping -----------------------------------------------------------------

// A TCP segment's options, with `mss` wherever the case puts an MSS option.
using TcpOptions = void (*)(Packet &, uint16_t mss);

struct MssCase {
	std::string description;
	uint8_t flags = kTcpSyn;
	TcpOptions options;
	uint16_t mss_sent = 0;
	uint16_t mss_expected = 0; // == mss_sent: left alone and not counted
};

class TcMssClamp : public TcPath {
protected:
	void SetUp() override
	{
		TcPath::SetUp();
		for (int ifindex : {router.in, router.narrow, router.wide}) {
			attach_clamping(dp.maps(), ifindex, PG_MODE_NATIVE);
			attach_clamping(skb.maps(), ifindex, PG_MODE_TC);
		}
	}

	// The segment from src to dst as it arrives on `in`, carrying mss.
	static Bytes segment(const MssCase &c, uint16_t mss, std::string_view src, std::string_view dst)
	{
		Packet p = R::from_host(dst, src);
		p.tcp(40000, 443, c.flags);
		c.options(p, mss);
		return p.build();
	}

	// The MSS written and the checksum fixed, as an independent sender
	// would have built the segment: the output is compared byte for byte.
	// Also checked: the checksum verifies and the MSS is where a receiver
	// finds it.
	static void expect_clamped_segment(const MssCase &c, std::span<const uint8_t> output)
	{
		SCOPED_TRACE(c.description);
		Dissected d = dissect(output);
		ASSERT_TRUE(d.tcp);
		EXPECT_TRUE(tcp_checksum_ok(output, d)) << "TCP checksum after the rewrite";
		if (c.mss_sent != c.mss_expected) {
			EXPECT_EQ(d.tcp->mss, c.mss_expected);
		}
	}

	// Each case arriving on `in` through XDP and tc ingress, then leaving by
	// egress_ifindex (whose MAC and next hop's it gets) through tc egress.
	void expect_clamps(const std::vector<MssCase> &cases, std::string_view src, std::string_view dst,
			   int egress_ifindex, const Mac &egress_mac, const Mac &next_hop_mac)
	{
		for (const auto &c : cases) {
			Bytes sent = segment(c, c.mss_sent, src, dst);
			Bytes clamped = segment(c, c.mss_expected, src, dst);
			CounterDeltas clamp_counted;
			if (c.mss_sent != c.mss_expected)
				clamp_counted[PG_CNT_MSS_CLAMPED] = 1;

			XdpCase through_xdp = forward_case(c.description, sent, egress_mac, next_hop_mac);
			through_xdp.output = expected_forwarded(clamped, egress_mac, next_hop_mac);
			through_xdp.counters = through_xdp.counters + clamp_counted;
			expect_case(dp, through_xdp);
			expect_clamped_segment(c, dp.run(sent, router.in).frame);

			TcCase through_tc = tc_counterpart(through_xdp);
			through_tc.output = hop_taken(clamped);
			expect_tc_case(skb, through_tc);

			Bytes leaving = expected_forwarded(sent, egress_mac, next_hop_mac);
			Bytes left = expected_forwarded(clamped, egress_mac, next_hop_mac);
			expect_tc_case(skb, {c.description, SkbProgram::Egress, egress_ifindex, leaving, {}, TC_ACT_OK, left,
					     passed(PG_CNT_PASS_EGRESS) + clamp_counted});
			expect_clamped_segment(c, skb.run(SkbProgram::Egress, leaving, egress_ifindex).frame);
		}
	}
};

void no_options(Packet &, uint16_t) {}
void only_mss(Packet &p, uint16_t mss) { p.tcp_mss(mss); }

TEST_F(TcMssClamp, OptionLayoutsTowardTheNarrowLink)
{
	// 1280 - 60 = 1220 toward narrow.
	expect_clamps(
		{
			{"SYN without options: nothing to clamp (the peer assumes 1220)", kTcpSyn, no_options, 1460, 1460},
			{"SYN with only MSS 1460", kTcpSyn, only_mss, 1460, 1220},
			{"NOP, NOP, timestamps, MSS, window scale, SACK-permitted", kTcpSyn,
			 [](Packet &p, uint16_t mss) {
				 p.tcp_nop().tcp_nop().tcp_timestamps(1, 0).tcp_mss(mss).tcp_window_scale(7).tcp_sack_permitted();
			 },
			 1460, 1220},
			{"MSS first, as Linux sends it: MSS, SACK-permitted, timestamps, NOP, window scale", kTcpSyn,
			 [](Packet &p, uint16_t mss) {
				 p.tcp_mss(mss).tcp_sack_permitted().tcp_timestamps(1, 0).tcp_nop().tcp_window_scale(7);
			 },
			 1460, 1220},
			{"MSS last, its value at an odd offset: SACK-permitted, timestamps, window scale, MSS", kTcpSyn,
			 [](Packet &p, uint16_t mss) {
				 p.tcp_sack_permitted().tcp_timestamps(1, 0).tcp_window_scale(7).tcp_mss(mss);
			 },
			 1460, 1220},
			{"one NOP before MSS: its value at an odd offset", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_nop().tcp_mss(mss); }, 1460, 1220},
			{"an unknown option before MSS is stepped over", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_option_bytes(Bytes{30, 4, 0xaa, 0xbb}).tcp_mss(mss); }, 1460, 1220},
			{"EOL before MSS: no MSS option", kTcpSyn, [](Packet &p, uint16_t mss) { p.tcp_eol().tcp_mss(mss); },
			 1460, 1460},
			{"MSS 1200 already below the path's", kTcpSyn, only_mss, 1200, 1200},
			{"MSS exactly 1220", kTcpSyn, only_mss, 1220, 1220},
			{"MSS 1221", kTcpSyn, only_mss, 1221, 1220},
			{"SYN-ACK", kTcpSyn | kTcpAck,
			 [](Packet &p, uint16_t mss) { p.tcp_mss(mss).tcp_sack_permitted().tcp_timestamps(5, 1).tcp_nop().tcp_window_scale(9); },
			 1460, 1220},
			{"plain ACK carrying an MSS option is no handshake", kTcpAck, only_mss, 1460, 1460},
			{"data segment", kTcpAck | kTcpPsh,
			 [](Packet &p, uint16_t) { p.tcp_nop().tcp_nop().tcp_timestamps(3, 4).payload(600); }, 1460, 1460},
			{"SYN with RST", kTcpSyn | kTcpRst, only_mss, 1460, 1460},
		},
		R::kHost, R::kBehindNarrow, router.narrow, R::kNarrowMac, R::kNarrowNextHopMac);
}

TEST_F(TcMssClamp, MalformedOptionsAreLeftAlone)
{
	expect_clamps(
		{
			{"an option of length 0 before MSS", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_option_bytes(Bytes{30, 0}).tcp_mss(mss); }, 1460, 1460},
			{"an option of length 1 before MSS", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_option_bytes(Bytes{30, 1}).tcp_mss(mss); }, 1460, 1460},
			{"an option running past the header before MSS", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_option_bytes(Bytes{30, 40}).tcp_mss(mss); }, 1460, 1460},
			{"one running past the header after MSS: the MSS was read first, as a receiver does", kTcpSyn,
			 [](Packet &p, uint16_t mss) { p.tcp_mss(mss).tcp_option_bytes(Bytes{30, 12}); }, 1460, 1220},
			{"MSS running past the header", kTcpSyn,
			 [](Packet &p, uint16_t) { p.tcp_nop().tcp_nop().tcp_option_bytes(Bytes{kTcpOptMss, 4}); }, 1460, 1460},
			{"MSS option 6 bytes long", kTcpSyn,
			 [](Packet &p, uint16_t mss) {
				 p.tcp_option_bytes(Bytes{kTcpOptMss, 6, static_cast<uint8_t>(mss >> 8),
							  static_cast<uint8_t>(mss & 0xff), 0, 0});
			 },
			 1460, 1460},
		},
		R::kHost, R::kBehindNarrow, router.narrow, R::kNarrowMac, R::kNarrowNextHopMac);
}

TEST_F(TcMssClamp, TheSmallerOfTheWayThereAndTheWayBack)
{
	// 1500 - 60 = 1440 toward wide when both ways are 1500.
	expect_clamps(
		{
			{"MSS 1440 toward the 1500 link stays", kTcpSyn, only_mss, 1440, 1440},
			{"MSS 1460 toward the 1500 link becomes 1440", kTcpSyn, only_mss, 1460, 1440},
		},
		R::kHost, R::kBehindWide, router.wide, R::kWideMac, R::kWideNextHopMac);
	// A sender whose way back goes through narrow, arriving on `in`
	// (asymmetric routing): the 1500 way there is not what limits it.
	expect_clamps(
		{
			{"SYN to wide from behind narrow: the way back's 1280 applies", kTcpSyn, only_mss, 1440, 1220},
			{"SYN-ACK likewise", kTcpSyn | kTcpAck, only_mss, 1440, 1220},
		},
		"2001:db8:20::7", R::kBehindWide, router.wide, R::kWideMac, R::kWideNextHopMac);
	// A locked route MTU is the path's MTU as much as a device's.
	expect_clamps({{"SYN toward the locked 1280 route", kTcpSyn, only_mss, 1440, 1220}}, R::kHost,
		      R::kBehindLockedRoute, router.wide, R::kWideMac, R::kWideNextHopMac);
}

TEST_F(TcMssClamp, ObserveModeNeverRewrites)
{
	attach_clamping(dp.maps(), router.in, PG_MODE_NATIVE, /*observe=*/true);
	attach_clamping(skb.maps(), router.in, PG_MODE_TC, /*observe=*/true);
	Bytes syn = R::from_host(R::kBehindNarrow).tcp(40000, 443, kTcpSyn).tcp_mss(1460).build();
	expect_same_as_xdp({pass_case("a SYN with MSS 1460 toward narrow, observed", syn, PG_CNT_PASS_OBSERVE)});
}

} // namespace
} // namespace pmtuguard::test
