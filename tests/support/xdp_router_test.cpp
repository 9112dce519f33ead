#include "support/xdp_router_test.h"

namespace pmtuguard::test {

void XdpRouterTest::SetUp()
{
	dp.attach(router.in);
	dp.attach(router.narrow);
	dp.attach(router.wide);
	dp.attach_vlan(router.in, R::kVlanWithAddress, router.vlan_with_address);
	dp.attach_vlan(router.in, R::kVlanWithoutAddress, router.vlan_without_address);
	in_source = dp.ptb_source(router.in);
}

Bytes XdpRouterTest::echo(std::string_view dst, size_t ip_len, std::string_view src)
{
	return R::from_host(dst, src).icmpv6_echo(0x4242, 1).fill_to_ip_len(ip_len).build();
}

XdpCase XdpRouterTest::ptb_case(std::string description, Bytes input, uint32_t mtu,
				std::optional<Ipv6Address> source) const
{
	Bytes output = expected_ptb(input, source.value_or(in_source), mtu);
	return {std::move(description), router.in, std::move(input), XDP_TX, std::move(output),
		oversize(PG_CNT_PTB_SENT)};
}

XdpCase XdpRouterTest::forward_case(std::string description, Bytes input, const Mac &egress_mac,
				    const Mac &next_hop_mac) const
{
	Bytes output = expected_forwarded(input, egress_mac, next_hop_mac);
	return {std::move(description), router.in, std::move(input), XDP_REDIRECT, std::move(output), forwarded()};
}

XdpCase XdpRouterTest::pass_case(std::string description, Bytes input, pg_counter reason, bool ipv6) const
{
	Bytes output = input;
	return {std::move(description), router.in, std::move(input), XDP_PASS, std::move(output), passed(reason, ipv6)};
}

XdpCase XdpRouterTest::drop_case(std::string description, Bytes input, pg_counter reason) const
{
	Bytes output = input;
	return {std::move(description), router.in, std::move(input), XDP_DROP, std::move(output), oversize(reason)};
}

void XdpRouterTest::expect_cases(const std::vector<XdpCase> &cases)
{
	for (const auto &c : cases)
		expect_case(dp, c);
}

std::vector<XdpCase> XdpRouterTest::device_mtu_boundary_cases() const
{
	return {
		forward_case("exactly the 1280 MTU: forwarded", echo(R::kBehindNarrow, 1280), R::kNarrowMac,
			     R::kNarrowNextHopMac),
		ptb_case("MTU + 1", echo(R::kBehindNarrow, 1281), R::kNarrowMtu),
		ptb_case("MTU + 40: fits only if the 40-byte header is forgotten", echo(R::kBehindNarrow, 1320),
			 R::kNarrowMtu),
		ptb_case("a full 1500 B packet", echo(R::kBehindNarrow, 1500), R::kNarrowMtu),
	};
}

std::vector<XdpCase> XdpRouterTest::observe_mode_cases() const
{
	Bytes too_big = echo(R::kBehindNarrow, 1400);
	return {
		{"too big", router.in, too_big, XDP_PASS, too_big, oversize(PG_CNT_PTB_SUPP_OBSERVE)},
		pass_case("fits", echo(R::kBehindNarrow, 1280), PG_CNT_PASS_OBSERVE),
	};
}

void XdpRouterTest::expect_not_counted(const PinnedMaps &maps, int ifindex)
{
	for (uint32_t counted : maps.counted_interfaces())
		EXPECT_NE(counted, static_cast<uint32_t>(ifindex));
}

} // namespace pmtuguard::test
