#include "support/router.h"

namespace pmtuguard::test {

Router::Router()
{
	in = ns.add_veth(kIn, kInMac);
	ns.add_address(kIn, std::string(kInAddress) + "/64");
	ns.add_address(kIn, std::string(kInSecondAddress) + "/112");
	vlan_with_address = ns.add_veth("vlan100", kInMac);
	ns.add_address("vlan100", std::string(kVlan100Address) + "/64");
	vlan_without_address = ns.add_veth("vlan200", kInMac);

	narrow = ns.add_veth(kNarrow, kNarrowMac, kNarrowMtu);
	ns.add_address(kNarrow, "2001:db8:2::1/64");
	ns.add_neighbour(kNarrow, "2001:db8:2::2", kNarrowNextHopMac);
	ns.add_route("2001:db8:20::/48", "2001:db8:2::2", kNarrow);

	wide = ns.add_veth(kWide, kWideMac);
	ns.add_address(kWide, "2001:db8:3::1/64");
	ns.add_neighbour(kWide, "2001:db8:3::2", kWideNextHopMac);
	ns.add_route("2001:db8:30::/48", "2001:db8:3::2", kWide);
	ns.add_route("2001:db8:31::/48", "2001:db8:3::2", kWide, kLockedRouteMtu);
	ns.add_route("2001:db8:40::/48", "2001:db8:3::3", kWide);

	spare = ns.add_veth(kSpare, kSpareMac);
	ns.add_address(kSpare, "2001:db8:4::1/64");
	ns.add_neighbour(kSpare, "2001:db8:4::2", {0x02, 0, 0, 0, 0x04, 0x02});
	ns.add_route("2001:db8:50::/48", "2001:db8:4::2", kSpare);

	ns.add_route_type("unreachable", "2001:db8:dead::/48");
}

Packet Router::from_host(std::string_view dst, std::string_view src)
{
	Packet p;
	p.eth(kHostMac, kInMac).ipv6(src, dst);
	return p;
}

Packet Router::from_host_on_vlan(uint16_t vlan_id, std::string_view dst, std::string_view src)
{
	Packet p;
	p.eth(kHostMac, kInMac).vlan(vlan_id).ipv6(src, dst);
	return p;
}

} // namespace pmtuguard::test
