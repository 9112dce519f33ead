#pragma once
// What the datapath promises for every frame, however hostile, checked on
// one run: its input, its verdict, its output and how the interface's
// counters moved. The checks parse the frames themselves (an unbounded
// extension-header walk, their own checksum) rather than trusting the BPF
// code's view.
//
//   - every frame is counted exactly once: rx_packets + 1, and one of
//     forwarded, passed_*, dropped_* or oversize_packets + 1; an oversize one
//     in exactly one of ptb_sent and ptb_suppressed_*;
//   - the verdict is the one the counter names (a PTB is sent back, a
//     forwarded frame redirected, a passed frame reaches the kernel
//     unmodified);
//   - every PTB parses, has a correct checksum, is at most 1280 bytes of
//     IPv6, quotes the start of the invoking packet, advertises an MTU of at
//     least 1280 and below the invoking packet's length, comes from one of
//     the router's addresses and goes to the unicast source of the invoking
//     packet, back through the L2 path it came by; and is never the answer
//     to an ICMPv6 error, to a multicast, unspecified or loopback source, or
//     (arriving) to a packet whose hop limit ran out;
//   - a forwarded frame is the invoking one with its hop limit one less.
#include <span>
#include <string>
#include <vector>

#include "lib/counters.h"
#include "lib/datapath.h"
#include "support/packet.h"

namespace pmtuguard::test {

struct Observed {
	Hook hook = Hook::Xdp; // Xdp, TcIngress or TcEgress
	std::span<const uint8_t> input;
	int action = -1; // XDP_* or TC_ACT_*
	std::span<const uint8_t> output;
	CounterValues delta{}; // counters after the run minus before, on the interface
};

// Empty when every promise holds, else one line per broken promise.
std::vector<std::string> invariant_violations(const Observed &run, const std::vector<Ipv6Address> &router_addresses);

// The counter partition of abi.h over any number of frames:
// rx_packets = forwarded + passed_* + dropped_* + oversize_packets and
// oversize_packets = ptb_sent + ptb_suppressed_*.
std::vector<std::string> partition_violations(const CounterValues &values);

// How an independent, unbounded walk of the extension headers (as the
// kernel's ipv6_skip_exthdr does) classifies the IPv6 packet at ip_offset.
enum class UpperLayer {
	IcmpError,     // ICMPv6 type < 128
	IcmpInfo,
	Other,         // another upper layer, or No Next Header
	LaterFragment, // a non-first fragment: the upper layer is elsewhere
	Unknown,       // the chain runs past the end of the packet
};
UpperLayer classify_upper_layer(std::span<const uint8_t> frame, size_t ip_offset);

} // namespace pmtuguard::test
