#pragma once
// What the benchmarks share: the machine they ran on, medians and markdown
// tables for the results, entering the lab's namespaces, one
// BPF_PROG_TEST_RUN of an XDP program, and the frame head its helpers restore.
#include <linux/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "frame_head.h"

namespace pmtuguard::bench {

// "Linux 6.18.44, Intel(R) Xeon(R) Processor, 2 CPUs"
std::string machine_description();
// argv as a shell would take it back.
std::string command_line(int argc, char **argv);

double median(std::vector<double> values);
std::string fixed(double value, int decimals);

class Table {
public:
	explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
	std::string markdown() const;

private:
	std::vector<std::string> header_;
	std::vector<std::vector<std::string>> rows_;
};

// Prints text and writes it to path (unless empty); throws when it cannot.
void publish(const std::string &path, const std::string &text);

// The calling thread in the namespace /run/netns/NAME until destruction.
class EnterNetns {
public:
	explicit EnterNetns(const std::string &name);
	~EnterNetns();
	EnterNetns(const EnterNetns &) = delete;
	EnterNetns &operator=(const EnterNetns &) = delete;

private:
	int original_ = -1;
};

std::string xdp_action_name(int action);

struct XdpRunResult {
	double ns_per_run = 0; // the kernel's own timing: total / repeat
	int action = -1;       // of the last run
};

// `repeat` runs of prog_fd on frame, as if it arrived on ingress_ifindex (in
// the calling thread's namespace).
XdpRunResult xdp_test_run(int prog_fd, std::span<const uint8_t> frame, int ingress_ifindex, uint32_t repeat);

// What rearm.bpf.c and trafficgen.bpf.c restore of frame; throws when the
// frame is shorter than that.
frame_head head_of(std::span<const uint8_t> frame);

} // namespace pmtuguard::bench
