#pragma once
// The tc programs of the pmtuguard datapath under BPF_PROG_TEST_RUN with a
// __sk_buff context: the skb counterpart of XdpDatapath (support/bpf_fixture.h),
// configured through the same library calls `pmtuguard attach` uses.
//
//   NetNs ns; ...devices...
//   SkbDatapath dp;
//   dp.attach(ifindex);
//   SkbResult r = dp.run(SkbProgram::Ingress, frame, ifindex);
//
// test_run builds the skb on the device ctx.ifindex names, fully linear, with
// any VLAN tags left in the frame; what a program redirects is not sent.
#include <memory>
#include <span>
#include <string>

#include "lib/counters.h"
#include "lib/maps.h"
#include "support/bpf_fixture.h"
#include "support/loaded_datapath.h"
#include "support/packet.h"

namespace pmtuguard::test {

enum class SkbProgram { Ingress, Egress };

std::string tc_action_name(int action); // "TC_ACT_OK", ...

// What the program returned (TC_ACT_*) and the frame it left.
struct SkbResult {
	int action = -1;
	Bytes frame;
};

// For GSO skbs: the segment payload size and count the stack would have set.
struct SkbGso {
	uint32_t size = 0;
	uint32_t segs = 0;
};

class SkbDatapath {
public:
	// Loads the tc programs with the settings a fresh `attach` writes.
	SkbDatapath();
	~SkbDatapath();
	SkbDatapath(const SkbDatapath &) = delete;
	SkbDatapath &operator=(const SkbDatapath &) = delete;

	PinnedMaps &maps() { return loaded_.maps(); }
	// As XdpDatapath: `pmtuguard attach IFACE --mode tc [--observe]`, and
	// what it writes for a VLAN child (tagged frames on parent belong to child).
	void attach(int ifindex, bool observe = false);
	void attach_vlan(int parent, uint16_t vlan_id, int child, bool observe = false);

	SkbResult run(SkbProgram program, std::span<const uint8_t> frame, int ifindex, SkbGso gso = {});
	// BPF_PROG_TEST_RUN refuses (EINVAL) a frame whose EtherType announces
	// IPv4 or IPv6 but which is too short for that header. A device would
	// still hand such a frame to tc; here it cannot be replayed.
	static bool test_run_accepts(std::span<const uint8_t> frame);
	CounterValues counters(int ifindex) const { return loaded_.maps().counters(static_cast<uint32_t>(ifindex)); }

private:
	LoadedDatapath loaded_;
};

} // namespace pmtuguard::test
