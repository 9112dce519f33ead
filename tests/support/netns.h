#pragma once
// A network namespace for one test, with the calling thread inside it.
//
// BPF_PROG_TEST_RUN resolves ctx_in.ingress_ifindex, bpf_fib_lookup and
// devmap entries in the namespace of the calling thread, so a test builds its
// router here:
//
//   NetNs ns;                                   // "pgtest-<pid>-<n>", forwarding on
//   int in = ns.add_veth("in0", kRouterInMac);  // peer "in0p"
//   ns.add_address("in0", "2001:db8:1::1/64");
//   ns.add_veth("out0", kRouterOutMac, 1280);
//   ns.add_address("out0", "2001:db8:2::1/64");
//   ns.add_neighbour("out0", "2001:db8:2::2", kNextHopMac);
//   ns.add_route("2001:db8:20::/48", "2001:db8:2::2", "out0");
//
// The destructor brings the thread back to the namespace it came from and
// deletes the namespace, which takes every device, address and route with
// it. Namespaces left by a test binary that was killed (their pid is in the
// name) are removed by the next NetNs with the same prefix.
#include <string>
#include <string_view>
#include <vector>

#include "support/packet.h"

namespace pmtuguard::test {

// Runs argv (no shell); throws with the command line and its output when it
// fails. Returns stdout and stderr together.
std::string run_command(const std::vector<std::string> &argv);

class NetNs {
public:
	// Named <prefix>-<pid>-<n>; the prefix should be one only tests use.
	explicit NetNs(std::string_view prefix = "pgtest");
	~NetNs();
	NetNs(const NetNs &) = delete;
	NetNs &operator=(const NetNs &) = delete;

	const std::string &name() const { return name_; }

	// A veth pair, both ends here and up; the peer is named name + "p" and
	// gets the same MTU. Returns the ifindex of `name`.
	int add_veth(const std::string &name, const Mac &mac, unsigned mtu = 1500);
	int add_dummy(const std::string &name, const Mac &mac, unsigned mtu = 1500);
	// Needs CONFIG_VLAN_8021Q, which not every test kernel has.
	int add_vlan(const std::string &parent, uint16_t vlan_id, const std::string &name);
	void set_mtu(const std::string &dev, unsigned mtu);

	// "2001:db8:1::1/64", without duplicate address detection, so it is
	// usable (not tentative) at once.
	void add_address(const std::string &dev, const std::string &cidr);
	void add_neighbour(const std::string &dev, const std::string &addr, const Mac &mac); // permanent

	// `ip -6 route add DST via VIA dev DEV [mtu lock MTU]`; mtu_lock 0: none.
	void add_route(const std::string &dst, const std::string &via, const std::string &dev, unsigned mtu_lock = 0);
	// `ip -6 route add TYPE DST`: unreachable, blackhole, prohibit.
	void add_route_type(const std::string &type, const std::string &dst);

	// key like "net.ipv6.conf.all.forwarding" (so no device names with dots)
	void sysctl(const std::string &key, const std::string &value);
	int ifindex(const std::string &dev) const;

	// `ip -n NAME args...`, for anything the helpers above do not cover.
	std::string ip(const std::vector<std::string> &args);

private:
	std::string name_;
	int original_ns_fd_ = -1;
};

} // namespace pmtuguard::test
