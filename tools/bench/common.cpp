#include "common.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "lib/error.h"

namespace pmtuguard::bench {

int bench_main(const char *name, int (*run)(int, char **), int argc, char **argv)
{
	try {
		return run(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: error: %s\n", name, e.what());
		return 1;
	}
}

void add_results_option(CLI::App &app, std::string &path)
{
	app.add_option("--results", path, "also write the results (markdown) to this file");
}

std::string results_header(const std::string &title, int argc, char **argv)
{
	return "### " + title + "\n\n- machine: " + machine_description() + "\n- command: `" + command_line(argc, argv) +
	       "`\n";
}

std::string machine_description()
{
	utsname u{};
	uname(&u);
	std::string cpu = "unknown CPU";
	std::ifstream cpuinfo("/proc/cpuinfo");
	for (std::string line; std::getline(cpuinfo, line);) {
		if (line.starts_with("model name")) {
			cpu = line.substr(line.find(':') + 2);
			break;
		}
	}
	return std::string(u.sysname) + " " + u.release + ", " + cpu + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) +
	       " CPUs";
}

std::string command_line(int argc, char **argv)
{
	std::string out;
	for (int i = 0; i < argc; i++) {
		std::string arg = argv[i];
		if (i == 0)
			arg = arg.substr(arg.rfind('/') + 1);
		bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
								     "0123456789-_./:=,@+") == std::string::npos;
		out += (i ? " " : "") + (plain ? arg : "'" + arg + "'");
	}
	return out;
}

double median(std::vector<double> values)
{
	if (values.empty())
		return 0;
	std::sort(values.begin(), values.end());
	size_t n = values.size();
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string fixed(double value, int decimals)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
	return buf;
}

std::string Table::markdown() const
{
	auto line = [](const std::vector<std::string> &cells) {
		std::string s = "|";
		for (const auto &c : cells)
			s += " " + c + " |";
		return s + "\n";
	};
	std::string out = line(header_);
	out += line(std::vector<std::string>(header_.size(), "---"));
	for (const auto &row : rows_)
		out += line(row);
	return out;
}

void publish(const std::string &path, const std::string &text)
{
	std::cout << text << std::flush;
	if (path.empty())
		return;
	std::ofstream out(path);
	out << text;
	if (!out)
		throw Error("cannot write the results to " + path);
}

EnterNetns::EnterNetns(const std::string &name)
{
	original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (original_ < 0)
		throw Error(errno_message("cannot open /proc/thread-self/ns/net", errno));
	std::string path = "/run/netns/" + name;
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		close(original_);
		throw Error(errno_message("cannot enter network namespace " + name, err));
	}
	close(fd);
}

EnterNetns::~EnterNetns()
{
	if (setns(original_, CLONE_NEWNET) != 0)
		std::perror("returning to the original network namespace");
	close(original_);
}

frame_head head_of(std::span<const uint8_t> frame)
{
	frame_head head{};
	if (frame.size() < sizeof(head.bytes))
		throw Error("frame of " + std::to_string(frame.size()) + " bytes: the benchmarks need at least " +
			    std::to_string(sizeof(head.bytes)));
	head.len = static_cast<__u32>(frame.size());
	std::memcpy(head.bytes, frame.data(), sizeof(head.bytes));
	return head;
}

} // namespace pmtuguard::bench
