#include "support/test_run.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pmtuguard::test {

TestRunResult test_run(int prog_fd, std::span<const uint8_t> frame, const void *ctx, size_t ctx_size, uint32_t repeat)
{
	// Room for anything the program may grow the frame to.
	Bytes out(frame.size() + 512);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
		    .data_size_in = static_cast<uint32_t>(frame.size()), .data_size_out = static_cast<uint32_t>(out.size()),
		    .ctx_in = ctx, .ctx_size_in = static_cast<uint32_t>(ctx_size), .repeat = static_cast<int>(repeat));
	if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
		throw std::runtime_error("BPF_PROG_TEST_RUN failed on a " + std::to_string(frame.size()) +
					 "-byte frame: " + std::strerror(errno));
	out.resize(opts.data_size_out);
	return {static_cast<int>(opts.retval), std::move(out), static_cast<double>(opts.duration)};
}

TestRunResult xdp_test_run(int prog_fd, std::span<const uint8_t> frame, int ingress_ifindex, uint32_t repeat)
{
	xdp_md ctx{};
	ctx.data_end = static_cast<uint32_t>(frame.size());
	ctx.ingress_ifindex = static_cast<uint32_t>(ingress_ifindex);
	return test_run(prog_fd, frame, &ctx, sizeof(ctx), repeat);
}

std::string xdp_action_name(int action)
{
	switch (action) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	}
	return "action " + std::to_string(action);
}

} // namespace pmtuguard::test
