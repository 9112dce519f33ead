#pragma once
// The GoogleTest fixture for XDP datapath tests on the shared router: a
// fresh namespace and a freshly loaded datapath per test (so rate-limit
// buckets and counters start empty), attached to `in`, `narrow`, `wide` and
// the two VLAN stand-ins, plus builders for the usual expectations.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/bpf_fixture.h"
#include "support/router.h"

namespace pmtuguard::test {

class XdpRouterTest : public ::testing::Test {
protected:
	using R = Router;

	void SetUp() override;

	// An echo request from `src` (on `in`) of exactly ip_len bytes of IPv6.
	static Bytes echo(std::string_view dst, size_t ip_len, std::string_view src = R::kHost);

	// Answered with a PTB advertising mtu from `source`, by default the one
	// attach chose for `in`.
	XdpCase ptb_case(std::string description, Bytes input, uint32_t mtu,
			 std::optional<Ipv6Address> source = {}) const;
	XdpCase forward_case(std::string description, Bytes input, const Mac &egress_mac,
			     const Mac &next_hop_mac) const;
	// Left to the kernel untouched, for `reason`.
	XdpCase pass_case(std::string description, Bytes input, pg_counter reason, bool ipv6 = true) const;
	// Too big, dropped without an answer, for `reason` (a ptb_suppressed_*
	// counter); the decision comes before any rewrite, so the frame is as it was.
	XdpCase drop_case(std::string description, Bytes input, pg_counter reason) const;

	void expect_cases(const std::vector<XdpCase> &cases);

	// The narrow link's 1280 MTU from both sides: exactly, +1, +40, 1500.
	std::vector<XdpCase> device_mtu_boundary_cases() const;
	// What every hook must do on `in` in observe mode: count, emit nothing,
	// pass the frame untouched.
	std::vector<XdpCase> observe_mode_cases() const;
	// A device the datapath is not attached to gets no counters entry.
	static void expect_not_counted(const PinnedMaps &maps, int ifindex);

	Router router;
	XdpDatapath dp;
	Ipv6Address in_source{}; // `in` has two global addresses; attach picks one
};

} // namespace pmtuguard::test
