#pragma once
// What the benchmarks share: their entry point and results option, the
// machine they ran on, medians and markdown tables for the results, entering
// the lab's namespaces, loading skeletons, and the frame head their BPF
// programs restore. One BPF_PROG_TEST_RUN is the tests' (support/test_run.h).
#include <linux/types.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/error.h"

#include "frame_head.h"

namespace pmtuguard::bench {

// main() of a benchmark: run(argc, argv), with any exception reported as
// "NAME: error: WHAT" and exit status 1.
int bench_main(const char *name, int (*run)(int, char **), int argc, char **argv);

// --results FILE: where the markdown goes besides standard output.
void add_results_option(CLI::App &app, std::string &path);

// The start of a results section: its title, the machine and the command.
std::string results_header(const std::string &title, int argc, char **argv);

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

// A skeleton that destroys itself: Owned<x_bpf, x_bpf__destroy>.
template <typename T, void (*Destroy)(T *)> struct SkeletonDeleter {
	void operator()(T *p) const { Destroy(p); }
};
template <typename T, void (*Destroy)(T *)> using Owned = std::unique_ptr<T, SkeletonDeleter<T, Destroy>>;

// x_bpf__open_and_load(), throwing "cannot load WHAT: ..." when it fails.
template <typename T> T *open_and_load(T *(*open_and_load_skeleton)(), const char *what)
{
	T *skel = open_and_load_skeleton();
	if (!skel)
		throw Error(errno_message(std::string("cannot load ") + what, errno));
	return skel;
}

// What rearm.bpf.c and trafficgen.bpf.c restore of frame; throws when the
// frame is shorter than that.
frame_head head_of(std::span<const uint8_t> frame);

} // namespace pmtuguard::bench
