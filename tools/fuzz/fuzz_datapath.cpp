// fuzz_datapath: feeds the XDP and tc programs millions of random and
// mutated frames with BPF_PROG_TEST_RUN and checks every outcome against
// the datapath's promises (tests/support/datapath_invariants.h). Also sweeps
// truncation at every offset over a sample of well-formed oversize frames.
// Exits 1 and prints the offending frames (hex) when a promise breaks.
//
//   fuzz_datapath --frames 1000000 --seed 1 --hook all
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "support/datapath_fuzz.h"

namespace {

using namespace pmtuguard;
using namespace pmtuguard::test;

struct Options {
	uint64_t frames = 1'000'000;
	uint64_t seed = 1;
	unsigned sweeps = 50; // frames whose every truncation is tried
	std::string hook = "all";
};

bool fuzz_hook(Hook hook, const char *name, const Options &o)
{
	DatapathFuzzer fuzzer(hook);
	HostileFrames gen = fuzzer.frames(o.seed);
	auto start = std::chrono::steady_clock::now();
	for (uint64_t i = 0; i < o.frames; i++)
		fuzzer.feed(gen.next());
	for (unsigned s = 0; s < o.sweeps; s++) {
		Bytes frame = gen.structured();
		for (size_t len = kMinFrameLen; len <= frame.size(); len++)
			fuzzer.feed(std::span(frame).first(len));
	}
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

	const FuzzStats &st = fuzzer.stats();
	std::printf("\n%s: %llu frames (seed %llu, %llu random + %u truncation sweeps) in %.1f s, %llu failed\n", name,
		    static_cast<unsigned long long>(st.frames), static_cast<unsigned long long>(o.seed),
		    static_cast<unsigned long long>(o.frames), o.sweeps, seconds,
		    static_cast<unsigned long long>(st.failed_frames));
	for (const auto &[outcome, n] : st.outcomes)
		std::printf("  %-32s %10llu\n", outcome.c_str(), static_cast<unsigned long long>(n));
	for (const auto &f : st.failures)
		std::printf("%s\n", f.c_str());
	std::vector<std::string> totals = fuzzer.total_violations();
	for (const auto &t : totals)
		std::printf("  totals: %s\n", t.c_str());
	return st.failed_frames == 0 && totals.empty();
}

} // namespace

int main(int argc, char **argv)
{
	Options o;
	CLI::App app{"fuzz_datapath: random and mutated frames through the pmtuguard datapath, every outcome checked"};
	app.add_option("--frames", o.frames, "random frames per hook")->capture_default_str();
	app.add_option("--seed", o.seed, "seed of the frame generator (the same seed, the same frames)")
		->capture_default_str();
	app.add_option("--sweeps", o.sweeps, "frames truncated at every offset, per hook")->capture_default_str();
	app.add_option("--hook", o.hook, "xdp | tc-ingress | tc-egress | all")
		->check(CLI::IsMember({"xdp", "tc-ingress", "tc-egress", "all"}))
		->capture_default_str();
	CLI11_PARSE(app, argc, argv);

	struct {
		Hook hook;
		const char *name;
	} hooks[] = {{Hook::Xdp, "xdp"}, {Hook::TcIngress, "tc-ingress"}, {Hook::TcEgress, "tc-egress"}};
	bool ok = true;
	try {
		for (const auto &h : hooks)
			if (o.hook == "all" || o.hook == h.name)
				ok = fuzz_hook(h.hook, h.name, o) && ok;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "fuzz_datapath: %s\n", e.what());
		return 2;
	}
	std::printf("\n%s\n", ok ? "every promise held" : "PROMISES BROKEN (see above)");
	return ok ? 0 : 1;
}
