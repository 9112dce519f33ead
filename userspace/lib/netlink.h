#pragma once
// What pmtuguard asks the kernel over rtnetlink (libmnl): addresses and VLAN
// children of an interface.
#include <optional>
#include <string>
#include <vector>

#include "lib/prefix.h"

struct mnl_socket;

namespace pmtuguard {

struct InterfaceAddress {
	Ipv6Address addr{};
	unsigned prefix_len = 0;
	unsigned scope = 0;  // RT_SCOPE_*
	unsigned flags = 0;  // IFA_F_*
};

std::vector<InterfaceAddress> ipv6_addresses(int ifindex);

// The address a PTB answering traffic from this link is sent from: a global
// one, preferring those that are neither tentative nor deprecated.
std::optional<Ipv6Address> ptb_source_address(int ifindex);

struct VlanChild {
	int ifindex = 0;
	unsigned vlan_id = 0;
};

// VLAN devices stacked directly on ifindex.
std::vector<VlanChild> vlan_children(int ifindex);

// Whether frames on the interface carry an Ethernet header (ARPHRD_ETHER);
// tunnels such as tun, WireGuard, ip6tnl and sit carry bare IP packets.
bool has_ethernet_header(int ifindex);

// if_nametoindex with a message that names the interface.
int interface_index(const std::string &name);
std::string interface_name(int ifindex);
// 0 when there is no such interface (any more).
int interface_index_or_zero(const std::string &name);
bool interface_exists(int ifindex);

// Whether the kernel has the IPv6 routing table `table` with a route in it.
bool table_has_routes(uint32_t table);

// The router's own IPv6 addresses, unicast and anycast: its local table.
std::vector<Ipv6Address> local_addresses();

// One `ip -6 rule` and what pmtuguard can make of it.
struct KernelRule {
	uint32_t priority = 0;
	Ipv6Prefix from{{}, 0}; // ::/0 for "from all"
	std::string iif;        // empty: any interface
	uint32_t table = 0;
	// The first thing the rule selects on or does beyond "from PREFIX [iif
	// DEV] lookup TABLE"; empty when there is none.
	std::string unsupported;
};

std::vector<KernelRule> ipv6_rules();

// Tells when an IPv6 address appears, goes or changes state anywhere
// (RTNLGRP_IPV6_IFADDR), so the PTB source addresses can be refreshed.
class AddressMonitor {
public:
	AddressMonitor();
	~AddressMonitor();
	AddressMonitor(const AddressMonitor &) = delete;
	AddressMonitor &operator=(const AddressMonitor &) = delete;

	int fd() const; // readable when notifications are pending
	// Reads what is pending without blocking; true when addresses changed or
	// notifications were lost (the kernel's buffer overflowed).
	bool changed();

private:
	mnl_socket *nl_;
};

} // namespace pmtuguard
