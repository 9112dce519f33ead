#pragma once
// Feeds frames to one hook of the datapath under BPF_PROG_TEST_RUN and checks
// every run against support/datapath_invariants.h. Shared by the bounded
// slice in the test suite (tests/bpf/test_fuzz_slice.cpp) and the long runs
// of tools/fuzz/fuzz_datapath.
//
// The router is support/router.h's, in a namespace of its own, with
// pmtuguard on `in`, `narrow` and `wide`, the VLAN stand-ins (100: answered,
// 200: no address, 4095: observe mode), and a source rule (2001:db8:7::/48
// routed in table 100, which only knows the narrow link), so that every
// verdict and every suppression reason can be reached. Ingress frames
// arrive on `in`; egress frames leave by `narrow` (MTU 1280).
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/datapath.h"
#include "support/hostile_frames.h"

namespace pmtuguard::test {

struct FuzzStats {
	uint64_t frames = 0;
	uint64_t failed_frames = 0;
	uint64_t unreplayable_frames = 0; // refused by test_run itself (SkbDatapath::test_run_accepts)
	std::map<std::string, uint64_t> outcomes; // frames per counter that took them (ptb_sent, passed_*, ...)
	std::vector<std::string> failures;        // the first few, each with its frame in hex
};

class DatapathFuzzer {
public:
	// hook: Xdp, TcIngress or TcEgress.
	explicit DatapathFuzzer(Hook hook);
	~DatapathFuzzer();
	DatapathFuzzer(const DatapathFuzzer &) = delete;
	DatapathFuzzer &operator=(const DatapathFuzzer &) = delete;

	// Runs one frame and records what broke; returns false when something did.
	bool feed(std::span<const uint8_t> frame);
	const FuzzStats &stats() const { return stats_; }
	// The counter partition over every frame fed so far, from the map's totals.
	std::vector<std::string> total_violations() const;

	// The longest frame BPF_PROG_TEST_RUN accepts for this hook.
	size_t max_frame_len() const;
	HostileFrames frames(uint64_t seed) const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
	FuzzStats stats_;
};

std::string to_hex(std::span<const uint8_t> bytes);

} // namespace pmtuguard::test
