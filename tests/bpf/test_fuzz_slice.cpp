// A bounded, seeded slice of tools/fuzz/fuzz_datapath: hostile and malformed
// frames through the XDP, tc ingress and tc egress programs, every outcome
// checked against the datapath's promises (support/datapath_invariants.h),
// plus truncation at every offset of a sample of oversize frames. The seed
// is fixed, so a failure names a frame that replays.
#include <gtest/gtest.h>

#include <string>

#include "support/datapath_fuzz.h"
#include "support/datapath_invariants.h"
#include "support/router.h"

namespace pmtuguard::test {
namespace {

constexpr uint64_t kSeed = 20240607;
constexpr unsigned kRandomFrames = 20000;
constexpr unsigned kTruncationSweeps = 4;

void expect_promises_kept(DatapathFuzzer &fuzzer)
{
	const FuzzStats &st = fuzzer.stats();
	// Frames test_run cannot replay are skipped; they must stay the exception.
	EXPECT_GT(st.frames, 10 * st.unreplayable_frames);
	EXPECT_EQ(st.failed_frames, 0u) << [&] {
		std::string all;
		for (const auto &f : st.failures)
			all += f + "\n";
		return all;
	}();
	for (const auto &t : fuzzer.total_violations())
		ADD_FAILURE() << "counter totals: " << t;
}

// The slice is only worth its time if the frames reach the interesting
// outcomes; a generator that produced nothing but malformed frames would
// keep every promise vacuously.
void expect_outcomes_reached(const FuzzStats &st, std::initializer_list<const char *> outcomes)
{
	for (const char *name : outcomes)
		EXPECT_GT(st.outcomes.count(name) ? st.outcomes.at(name) : 0, 0u) << "no frame ended as " << name;
}

void fuzz(DatapathFuzzer &fuzzer)
{
	HostileFrames gen = fuzzer.frames(kSeed);
	for (unsigned i = 0; i < kRandomFrames; i++)
		fuzzer.feed(gen.next());
	for (unsigned s = 0; s < kTruncationSweeps; s++) {
		Bytes frame = gen.structured();
		for (size_t len = kMinFrameLen; len <= frame.size(); len++)
			fuzzer.feed(std::span(frame).first(len));
	}
}

TEST(FuzzSlice, Xdp)
{
	DatapathFuzzer fuzzer(Hook::Xdp);
	fuzz(fuzzer);
	expect_promises_kept(fuzzer);
	expect_outcomes_reached(fuzzer.stats(),
				{"ptb_sent", "forwarded_packets", "passed_not_ipv6", "passed_malformed",
				 "passed_not_forwarded", "passed_hop_limit", "passed_unconfigured", "ptb_suppressed_icmp_error",
				 "ptb_suppressed_bad_source", "ptb_suppressed_rate_limit", "ptb_suppressed_observe",
				 "ptb_suppressed_no_address", "dropped_no_table_route"});
}

TEST(FuzzSlice, TcIngress)
{
	DatapathFuzzer fuzzer(Hook::TcIngress);
	fuzz(fuzzer);
	expect_promises_kept(fuzzer);
	expect_outcomes_reached(fuzzer.stats(), {"ptb_sent", "forwarded_packets", "passed_malformed",
						 "ptb_suppressed_icmp_error", "ptb_suppressed_bad_source"});
}

TEST(FuzzSlice, TcEgress)
{
	DatapathFuzzer fuzzer(Hook::TcEgress);
	fuzz(fuzzer);
	expect_promises_kept(fuzzer);
	expect_outcomes_reached(fuzzer.stats(), {"ptb_sent", "passed_egress", "ptb_suppressed_icmp_error"});
}

// The checker itself must catch what it is there to catch.
TEST(FuzzSlice, ClassifierSeesAnIcmpErrorBehindAnyChain)
{
	Bytes deep = Router::from_host(Router::kBehindNarrow)
			     .ext_hopbyhop()
			     .ext_dstopts(16)
			     .ext_routing()
			     .ext_fragment(0, true)
			     .ext_dstopts(1024)
			     .ext_dstopts()
			     .ext_dstopts()
			     .ext_dstopts()
			     .ext_dstopts()
			     .ext_dstopts()
			     .icmpv6(kIcmpv6DestUnreachable, 0)
			     .fill_to_ip_len(1400)
			     .build();
	EXPECT_EQ(classify_upper_layer(deep, kEthHeaderLen), UpperLayer::IcmpError);
	Bytes later = Router::from_host(Router::kBehindNarrow)
			      .ext_fragment(100, false)
			      .icmpv6(kIcmpv6DestUnreachable, 0)
			      .fill_to_ip_len(1400)
			      .build();
	EXPECT_EQ(classify_upper_layer(later, kEthHeaderLen), UpperLayer::LaterFragment);
	Bytes echo = Router::from_host(Router::kBehindNarrow).icmpv6_echo(1, 1).fill_to_ip_len(1400).build();
	EXPECT_EQ(classify_upper_layer(echo, kEthHeaderLen), UpperLayer::IcmpInfo);
}

} // namespace
} // namespace pmtuguard::test
