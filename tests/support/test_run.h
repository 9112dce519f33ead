#pragma once
// One BPF_PROG_TEST_RUN of a program on a frame: what the datapath fixtures
// (support/bpf_fixture.h, support/skb_datapath.h) and the benchmarks share.
// No GoogleTest here, so tools/bench can link it too.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "support/packet.h"

namespace pmtuguard::test {

struct TestRunResult {
	int retval = -1;        // of the last run: an XDP_* or TC_ACT_* action
	Bytes frame;            // the frame as the program left it
	double ns_per_run = 0;  // the kernel's own timing: total / repeat
};

// `repeat` runs of prog_fd on frame with ctx (an xdp_md or a __sk_buff) as
// its context, in the calling thread's namespace; throws when the kernel
// refuses the run.
TestRunResult test_run(int prog_fd, std::span<const uint8_t> frame, const void *ctx, size_t ctx_size,
		       uint32_t repeat = 1);

// As if frame arrived on ingress_ifindex.
TestRunResult xdp_test_run(int prog_fd, std::span<const uint8_t> frame, int ingress_ifindex, uint32_t repeat = 1);

std::string xdp_action_name(int action);

} // namespace pmtuguard::test
