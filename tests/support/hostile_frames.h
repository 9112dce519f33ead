#pragma once
// Hostile and malformed frames for fuzzing the datapath, from a seed: the
// same seed gives the same frames, so a failure can be replayed.
//
//   HostileFrames gen(seed, FrameTargets::router());
//   for (int i = 0; i < n; i++) { Bytes f = gen.next(); ... }
//
// Each frame is built from random layers (untagged, 802.1Q, QinQ or more
// tags; IPv6 with sources and destinations the router treats differently;
// extension-header chains of every type and length, past the datapath's
// bounds; ICMPv6 errors and informational messages, UDP, TCP with options,
// fragments first and later; sizes around 1280 and the link MTUs, up to
// jumbo frames), and then often mutated: a payload length that disagrees
// with the frame, truncation, trailing bytes, flipped bits.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/packet.h"

namespace pmtuguard::test {

// Addresses and tags the frames are aimed at.
struct FrameTargets {
	Mac sender_mac{}, router_mac{};
	std::vector<Ipv6Address> sources;      // unicast, multicast, unspecified, ...
	std::vector<Ipv6Address> destinations; // behind each link, local, unroutable, ...
	std::vector<uint16_t> vlan_ids;        // configured and unconfigured

	// Aimed at support/router.h's router, arriving on `in`.
	static FrameTargets router();
};

// Frames below this length never reach a program: BPF_PROG_TEST_RUN
// refuses them, and so does every driver.
inline constexpr size_t kMinFrameLen = kEthHeaderLen;

class HostileFrames {
public:
	HostileFrames(uint64_t seed, FrameTargets targets, size_t max_frame_len);

	Bytes next();
	// A well-formed oversize frame of a random kind (the base next() mutates).
	Bytes structured();

private:
	size_t pick_ip_len(size_t headers_len);
	Bytes extension_chain(uint8_t &first_next_header, uint8_t upper_layer);
	Bytes upper_layer(uint8_t &proto);
	void mutate(Bytes &frame);

	template <typename T> const T &pick(const std::vector<T> &v) { return v[below(v.size())]; }
	size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
	bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

	std::mt19937_64 rng_;
	FrameTargets targets_;
	size_t max_frame_len_;
};

} // namespace pmtuguard::test
