#pragma once
// The pmtuguard datapath under BPF_PROG_TEST_RUN, and a declarative way to
// state what it must do with a frame.
//
// XdpDatapath loads the skeleton without pinning anything and writes its maps
// through the same library calls `pmtuguard attach` uses, so a test sees the
// configuration the control plane would produce. Devices, routes and
// neighbours come from a NetNs the calling thread is in (support/netns.h).
//
//   NetNs ns;  ...devices...
//   XdpDatapath dp;
//   dp.attach(in_ifindex);
//   expect_case(dp, {
//       .description = "1281 B to the 1280 link: PTB",
//       .ingress_ifindex = in_ifindex,
//       .input = frame,
//       .action = XDP_TX,
//       .output = expected_ptb(frame, ip6("2001:db8:1::1"), 1280),
//       .counters = oversize(PG_CNT_PTB_SENT),
//   });
#include <linux/bpf.h>

#include <map>
#include <memory>
#include <span>
#include <string>

#include "lib/counters.h"
#include "lib/maps.h"
#include "support/loaded_datapath.h"
#include "support/packet.h"
#include "support/test_run.h"

namespace pmtuguard::test {

struct XdpResult {
	int action = -1;
	Bytes frame; // the frame as the program left it
};

class XdpDatapath {
public:
	// Loads the programs with the settings a fresh `attach` writes.
	XdpDatapath();
	~XdpDatapath();
	XdpDatapath(const XdpDatapath &) = delete;
	XdpDatapath &operator=(const XdpDatapath &) = delete;

	PinnedMaps &maps() { return loaded_.maps(); }

	// As `pmtuguard attach IFACE [--observe]`: counters, the configuration of
	// the interface and its VLAN children (PTB source = their global
	// address), and the redirect port.
	void attach(int ifindex, bool observe = false);
	// What attach writes for a VLAN device `child` with id vlan_id on `parent`:
	// tagged frames on parent are routed and answered as child.
	void attach_vlan(int parent, uint16_t vlan_id, int child, bool observe = false);

	// The address attach chose to answer untagged frames on ifindex from;
	// throws when it found none.
	Ipv6Address ptb_source(int ifindex) const;

	XdpResult run(std::span<const uint8_t> frame, int ingress_ifindex);
	int prog_fd() const; // pmtuguard_xdp, for runs of one's own (benchmarks)
	CounterValues counters(int ifindex) const { return loaded_.maps().counters(static_cast<uint32_t>(ifindex)); }

private:
	LoadedDatapath loaded_;
};

// Counter id -> expected increase. Counters not named must not move, except
// the event-sampling counters, which depend on timing.
using CounterDeltas = std::map<pg_counter, uint64_t>;

struct XdpCase {
	std::string description;
	int ingress_ifindex = 0;
	Bytes input;
	int action = XDP_PASS;
	Bytes output;           // the exact frame expected back (the input, when untouched)
	CounterDeltas counters; // on the ingress interface
};

// Runs the case and reports each mismatch (action, bytes, every counter, the
// counter invariants) as a GoogleTest failure naming the case.
void expect_case(XdpDatapath &dp, const XdpCase &c);

// Each counter moved by exactly its expected delta (0 when not named) between
// the two readings, and the invariants below hold after.
void expect_counter_deltas(const CounterValues &before, const CounterValues &after, const CounterDeltas &expected);

// rx_packets = forwarded + sum(passed_*) + sum(dropped_*) + oversize_packets and
// oversize_packets = ptb_sent + sum(ptb_suppressed_*), the partition abi.h
// promises for every frame.
void expect_counter_invariants(const CounterValues &values);

// The deltas of the common outcomes, to start a case's expectation from.
CounterDeltas passed(pg_counter reason, bool ipv6 = true);
CounterDeltas forwarded();
CounterDeltas oversize(pg_counter outcome); // PG_CNT_PTB_SENT or a PG_CNT_PTB_SUPP_*
CounterDeltas operator+(CounterDeltas a, const CounterDeltas &b);

} // namespace pmtuguard::test
