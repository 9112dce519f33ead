// The test packet builder (tests/support/packet.h) against frames made by
// scapy 2.5, an independent implementation: the datapath tests trust the
// builder's lengths, next headers and checksums, so they are checked here.
// The reference bytes came from /usr/bin/python3 with scapy, e.g.
//   Ether(src=..., dst=...)/IPv6(src=..., dst=..., hlim=64)
//   /IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\0'*4)])
//   /ICMPv6EchoRequest(id=0x4242, seq=1, data=bytes(range(16)))
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "support/packet.h"

namespace pmtuguard::test {
namespace {

const Mac kSrcMac = parse_mac("02:00:00:00:01:02");
const Mac kDstMac = parse_mac("02:00:00:00:01:01");

Bytes from_hex(const std::string &hex)
{
	Bytes out;
	for (size_t i = 0; i + 1 < hex.size(); i += 2)
		out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
	return out;
}

Bytes counting(size_t n)
{
	Bytes b(n);
	std::iota(b.begin(), b.end(), 0);
	return b;
}

void expect_same(const Bytes &expected, const Bytes &actual)
{
	std::string diff = describe_difference(expected, actual);
	EXPECT_TRUE(diff.empty()) << diff;
}

TEST(PacketBuilder, EchoBehindHopByHopMatchesScapy)
{
	Bytes built = Packet()
			      .eth(kSrcMac, kDstMac)
			      .ipv6("2001:db8:1::100", "2001:db8:20::5")
			      .ext_hopbyhop()
			      .icmpv6_echo(0x4242, 1)
			      .payload(counting(16))
			      .build();
	expect_same(from_hex("02000000010102000000010286dd600000000020004020010db8000100000000000000000100"
			     "20010db80020000000000000000000053a000104000000008000a89142420001000102030405"
			     "060708090a0b0c0d0e0f"),
		    built);
}

TEST(PacketBuilder, TaggedUdpInAFirstFragmentMatchesScapy)
{
	Bytes built = Packet()
			      .eth(kSrcMac, kDstMac)
			      .vlan(100)
			      .ipv6("2001:db8:1::100", "2001:db8:30::5")
			      .ext_fragment(0, true, 0x1234)
			      .udp(4000, 53)
			      .payload(counting(11))
			      .build();
	expect_same(from_hex("0200000001010200000001028100006486dd60000000001b2c4020010db80001000000000000"
			     "00000100" "20010db800300000000000000000000511000001000012340fa0003500137532000102"
			     "030405060708090a"),
		    built);
}

TEST(PacketBuilder, TcpSynMatchesScapy)
{
	Bytes built = Packet()
			      .eth(kSrcMac, kDstMac)
			      .ipv6("2001:db8:1::100", "2001:db8:30::5")
			      .tcp(40000, 443, 0x02)
			      .payload(counting(5))
			      .build();
	expect_same(from_hex("02000000010102000000010286dd600000000019064020010db8000100000000000000000100"
			     "20010db80030000000000000000000059c4001bb00000001000000005002ffffaf3500000001"
			     "020304"),
		    built);
}

TEST(PacketBuilder, TcpOptionsArePaddedAndMatchScapy)
{
	// TCP(..., options=[('NOP',None),('NOP',None),('Timestamp',(1,0)),
	//     ('MSS',1460),('WScale',7),('SAckOK',b'')]): 21 bytes padded to 24.
	Bytes built = Packet()
			      .eth(kSrcMac, kDstMac)
			      .ipv6("2001:db8:1::100", "2001:db8:30::5")
			      .tcp(40000, 443, kTcpSyn)
			      .tcp_nop()
			      .tcp_nop()
			      .tcp_timestamps(1, 0)
			      .tcp_mss(1460)
			      .tcp_window_scale(7)
			      .tcp_sack_permitted()
			      .build();
	expect_same(from_hex("02000000010102000000010286dd60000000002c064020010db8000100000000000000000100"
			     "20010db80030000000000000000000059c4001bb0000000100000000b002ffff385b00000101"
			     "080a0000000100000000020405b40303070402000000"),
		    built);
	Dissected d = dissect(built);
	ASSERT_TRUE(d.tcp);
	EXPECT_EQ(d.tcp->header_len, 44u);
	EXPECT_EQ(d.tcp->flags, kTcpSyn);
	EXPECT_EQ(d.tcp->mss, 1460);
	EXPECT_TRUE(tcp_checksum_ok(built, d));
	built[d.tcp->offset + 24] ^= 1;
	EXPECT_FALSE(tcp_checksum_ok(built, dissect(built)));
}

TEST(PacketBuilder, DissectorFindsTheMssOnlyWhereAReceiverWould)
{
	auto mss_of = [](void (*options)(Packet &)) {
		Packet p;
		p.eth(kSrcMac, kDstMac).ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, kTcpSyn);
		options(p);
		return dissect(p.build()).tcp->mss;
	};
	EXPECT_EQ(mss_of([](Packet &p) { p.tcp_nop().tcp_mss(1220); }), 1220);
	EXPECT_EQ(mss_of([](Packet &) {}), std::nullopt);
	EXPECT_EQ(mss_of([](Packet &p) { p.tcp_eol().tcp_mss(1220); }), std::nullopt);
	EXPECT_EQ(mss_of([](Packet &p) { p.tcp_option_bytes(Bytes{30, 0}).tcp_mss(1220); }), std::nullopt);
	EXPECT_EQ(mss_of([](Packet &p) { p.tcp_option_bytes(Bytes{30, 1}).tcp_mss(1220); }), std::nullopt);
	EXPECT_EQ(mss_of([](Packet &p) { p.tcp_nop().tcp_nop().tcp_option_bytes(Bytes{kTcpOptMss, 4}); }), std::nullopt);
	EXPECT_THROW(Packet().ipv6("::1", "::2").udp(1, 2).tcp_mss(1220), std::logic_error);
}

TEST(PacketBuilder, FillsToTheIpv6LengthAsked)
{
	Bytes built = Packet().eth(kSrcMac, kDstMac).ipv6("2001:db8::1", "2001:db8::2").icmpv6_echo(1, 1)
			      .fill_to_ip_len(1281).build();
	ASSERT_EQ(built.size(), kEthHeaderLen + 1281);
	Dissected d = dissect(built);
	ASSERT_TRUE(d.ipv6);
	EXPECT_EQ(d.ipv6->payload_len, 1241);
	EXPECT_TRUE(icmpv6_checksum_ok(built, d));
	built[200] ^= 1;
	EXPECT_FALSE(icmpv6_checksum_ok(built, dissect(built)));
	EXPECT_THROW(Packet().ipv6("::1", "::2").icmpv6_echo(1, 1).fill_to_ip_len(40).build(), std::logic_error);
}

TEST(PacketBuilder, ExpectedPtbQuotesAndSwaps)
{
	Bytes invoking = Packet().eth(kSrcMac, kDstMac).vlan(7).ipv6("2001:db8:1::100", "2001:db8:20::5")
				 .udp(1, 2).fill_to_ip_len(1500).build();
	Bytes ptb = expected_ptb(invoking, parse_ipv6_address("2001:db8:1::1"), 1280);
	ASSERT_EQ(ptb.size(), kEthHeaderLen + kVlanTagLen + 1280);
	Dissected d = dissect(ptb);
	EXPECT_EQ(format_mac(d.dst), format_mac(kSrcMac));
	EXPECT_EQ(d.vlan_ids, std::vector<uint16_t>{7});
	EXPECT_EQ(format_ipv6_address(d.ipv6->dst), "2001:db8:1::100");
	EXPECT_EQ(d.icmpv6->word, 1280u);
	EXPECT_TRUE(std::equal(d.icmpv6->body.begin(), d.icmpv6->body.end(), invoking.begin() + 18));
	EXPECT_TRUE(icmpv6_checksum_ok(ptb, d));
}

} // namespace
} // namespace pmtuguard::test
