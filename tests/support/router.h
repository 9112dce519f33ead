#pragma once
// The router the datapath tests run on: one namespace holding a router's
// interfaces, addresses, routes and resolved next hops. No traffic flows;
// BPF_PROG_TEST_RUN feeds frames "arriving" on `in`, and bpf_fib_lookup
// answers from this namespace.
//
//   in   (kInMac)  2001:db8:1::1/64 and 2001:db8:1::1:1/112, hosts behind it
//   vlan100  2001:db8:100::1/64   what in.100 would be (see below)
//   vlan200  no global address    what in.200 would be
//   narrow (MTU 1280)  2001:db8:2::1/64  -> 2001:db8:20::/48 via 2001:db8:2::2
//   wide   (MTU 1500)  2001:db8:3::1/64  -> 2001:db8:30::/48 via 2001:db8:3::2
//                                         -> 2001:db8:31::/48 via 2001:db8:3::2, mtu lock 1280
//                                         -> 2001:db8:40::/48 via 2001:db8:3::3 (never resolved)
//   spare  (MTU 1500)  2001:db8:4::1/64  -> 2001:db8:50::/48 via 2001:db8:4::2 (pmtuguard not on it)
//   unreachable 2001:db8:dead::/48
//
// The test kernel has no 802.1Q (CONFIG_VLAN_8021Q unset), so the VLAN
// children are stand-in devices: XdpDatapath::attach_vlan() maps VLAN ids on
// `in` to them exactly as attach maps them to real VLAN devices.
#include "support/netns.h"
#include "support/packet.h"

namespace pmtuguard::test {

struct Router {
	// Interface names inside the namespace (which makes them unique).
	static constexpr const char *kIn = "in";
	static constexpr const char *kNarrow = "narrow";
	static constexpr const char *kWide = "wide";
	static constexpr const char *kSpare = "spare";

	static inline const Mac kHostMac = {0x02, 0, 0, 0, 0x01, 0x02}; // the sender's, in front of `in`
	static inline const Mac kInMac = {0x02, 0, 0, 0, 0x01, 0x01};
	static inline const Mac kNarrowMac = {0x02, 0, 0, 0, 0x02, 0x01};
	static inline const Mac kNarrowNextHopMac = {0x02, 0, 0, 0, 0x02, 0x02};
	static inline const Mac kWideMac = {0x02, 0, 0, 0, 0x03, 0x01};
	static inline const Mac kWideNextHopMac = {0x02, 0, 0, 0, 0x03, 0x02};
	static inline const Mac kSpareMac = {0x02, 0, 0, 0, 0x04, 0x01};

	static constexpr const char *kInAddress = "2001:db8:1::1";
	static constexpr const char *kInSecondAddress = "2001:db8:1::1:1"; // in a /112
	static constexpr const char *kSubnetRouterAnycast = "2001:db8:1::1:0"; // of that /112
	static constexpr const char *kVlan100Address = "2001:db8:100::1";
	static constexpr uint16_t kVlanWithAddress = 100;
	static constexpr uint16_t kVlanWithoutAddress = 200;
	static constexpr const char *kHost = "2001:db8:1::100"; // a sender on `in`

	static constexpr unsigned kNarrowMtu = 1280;
	static constexpr unsigned kLockedRouteMtu = 1280;
	static constexpr const char *kBehindNarrow = "2001:db8:20::5";
	static constexpr const char *kBehindWide = "2001:db8:30::5";
	static constexpr const char *kBehindLockedRoute = "2001:db8:31::5";
	static constexpr const char *kUnresolvedNextHop = "2001:db8:40::5";
	static constexpr const char *kBehindSpare = "2001:db8:50::5";
	static constexpr const char *kUnreachable = "2001:db8:dead::5";

	Router();

	NetNs ns;
	int in = 0, vlan_with_address = 0, vlan_without_address = 0;
	int narrow = 0, wide = 0, spare = 0;

	// A frame from kHost arriving on `in`, addressed to the router's MAC;
	// continue it with .hop_limit(), extension headers, L4, payload.
	static Packet from_host(std::string_view dst, std::string_view src = kHost);
	// The same, tagged with vlan_id.
	static Packet from_host_on_vlan(uint16_t vlan_id, std::string_view dst, std::string_view src = kHost);
};

} // namespace pmtuguard::test
