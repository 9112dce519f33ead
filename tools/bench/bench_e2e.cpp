// pg_bench_e2e: Packet Too Big messages per second in the lab, from a
// live-frames traffic generator on h1 flooding oversize packets at r, with
// r answering in three ways, measured in turn in the same run:
//   kernel     r's own stack (r's ingress runs xdp_pass only so that the
//              generator's XDP_TX frames reach it at all)
//   pmtuguard  attached to r's interfaces, rate limits off
//   reflector  reflector.bpf.c: the frame straight back, the ceiling of any
//              XDP answer on this machine
// h1 counts what comes back with answer_counter.bpf.c and drops it. Rates
// are over the generator's own run time. CPU time per answer comes from
// /proc/stat (the generator's CPU, where r's and h1's NAPI run too), and, in
// a separate pass with BPF run-time statistics on, from r's XDP program.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ifaddrs.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "answer_counter.h"
#include "answer_counter_bpf.skel.h"
#include "common.h"
#include "lib/bpffs.h"
#include "lib/counters.h"
#include "lib/datapath.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/netlink.h"
#include "reflector_bpf.skel.h"
#include "support/packet.h"
#include "trafficgen_bpf.skel.h"
#include "xdp_pass_bpf.skel.h"

namespace pmtuguard::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Each test_run call ends in synchronize_rcu; 2M frames a call keeps that
// small against the call's run time.
constexpr uint32_t kMaxFramesPerCall = 2000000;

struct Options {
	std::string h1_ns, r_ns;
	std::string h1_dev, r_in, r_out;
	std::string src, dst;
	std::string pin_dir;
	double seconds = 2;
	unsigned rounds = 3;
	uint32_t frames_per_call = 1000000;
	unsigned ip_len = 1400;
	int cpu = 0;
	std::string results;
};

test::Mac mac_of(const std::string &dev)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifreq req{};
	std::snprintf(req.ifr_name, sizeof(req.ifr_name), "%s", dev.c_str());
	int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &req);
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		throw Error(errno_message("cannot read the MAC address of " + dev, err));
	test::Mac mac;
	std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
	return mac;
}

uint64_t rx_packets(const std::string &dev)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) != 0)
		throw Error(errno_message("getifaddrs", errno));
	std::optional<uint64_t> n;
	for (ifaddrs *a = list; a; a = a->ifa_next)
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_PACKET && a->ifa_data && dev == a->ifa_name)
			n = static_cast<const rtnl_link_stats *>(a->ifa_data)->rx_packets;
	freeifaddrs(list);
	if (!n)
		throw Error("no statistics for " + dev);
	return *n;
}

std::string read_line(const std::string &path)
{
	std::ifstream in(path);
	std::string line;
	if (!std::getline(in, line))
		throw Error("cannot read " + path);
	return line;
}

double thread_cpu_seconds()
{
	timespec ts{};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The CPU's softirq thread, which takes over receive processing when it
// runs too long in the context that raised it.
pid_t ksoftirqd_of(int cpu)
{
	std::string want = "ksoftirqd/" + std::to_string(cpu);
	for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
		std::string name = entry.path().filename();
		if (name.find_first_not_of("0123456789") != std::string::npos)
			continue;
		std::ifstream comm(entry.path() / "comm");
		std::string line;
		if (std::getline(comm, line) && line == want)
			return static_cast<pid_t>(std::stol(name));
	}
	throw Error("no " + want + " thread");
}

// A task's CPU time so far (the scheduler's own count, in ns, in schedstat).
double task_cpu_seconds(pid_t pid)
{
	std::istringstream fields(read_line("/proc/" + std::to_string(pid) + "/schedstat"));
	double ns = 0;
	fields >> ns;
	return ns / 1e9;
}

// An XDP program attached (native mode) to a device in a namespace for the
// object's lifetime; whatever was attached before comes back afterwards.
class XdpSwap {
public:
	XdpSwap(std::string ns, std::string dev, int prog_fd) : ns_(std::move(ns)), dev_(std::move(dev))
	{
		EnterNetns in(ns_);
		ifindex_ = interface_index(dev_);
		uint32_t old_id = 0;
		if (bpf_xdp_query_id(ifindex_, XDP_FLAGS_DRV_MODE, &old_id) == 0 && old_id)
			old_fd_ = bpf_prog_get_fd_by_id(old_id); // holds it while it is off the device
		if (int err = bpf_xdp_attach(ifindex_, prog_fd, XDP_FLAGS_DRV_MODE, nullptr)) {
			if (old_fd_ >= 0)
				close(old_fd_);
			throw Error(errno_message("cannot attach XDP to " + dev_ + " in " + ns_, err));
		}
	}
	~XdpSwap()
	{
		try {
			EnterNetns in(ns_);
			int rc = old_fd_ >= 0 ? bpf_xdp_attach(ifindex_, old_fd_, XDP_FLAGS_DRV_MODE, nullptr)
					      : bpf_xdp_detach(ifindex_, XDP_FLAGS_DRV_MODE, nullptr);
			if (rc)
				std::fprintf(stderr, "pg_bench_e2e: cannot restore XDP on %s: %s\n", dev_.c_str(),
					     std::strerror(-rc));
		} catch (const std::exception &e) {
			std::fprintf(stderr, "pg_bench_e2e: %s\n", e.what());
		}
		if (old_fd_ >= 0)
			close(old_fd_);
	}
	XdpSwap(const XdpSwap &) = delete;
	XdpSwap &operator=(const XdpSwap &) = delete;

	int ifindex() const { return ifindex_; }

private:
	std::string ns_, dev_;
	int ifindex_ = 0;
	int old_fd_ = -1;
};

// What r runs while a variant is measured.
enum VariantId { kKernel, kPmtuguard, kReflector, kVariants };
constexpr const char *kVariantNames[kVariants] = {"kernel", "pmtuguard", "reflector"};

struct Sample {
	double wall = 0;          // the generator's run time, s
	double cpu = 0;           // CPU time of the generator thread and of ksoftirqd on its CPU, s
	uint64_t into_r = 0;      // frames r's ingress received
	uint64_t answers = 0;     // PTBs (reflected frames for the reflector) counted on h1
	CounterValues pmtuguard{}; // what pmtuguard's counters on r's ingress moved by
	double prog_ns = -1;      // r's XDP program per run, from BPF statistics (stats pass only)
};

class Lab {
public:
	explicit Lab(const Options &o) : o_(o)
	{
		gen_.reset(open_and_load(trafficgen_bpf__open_and_load, "trafficgen.bpf.o"));
		counter_.reset(open_and_load(answer_counter_bpf__open_and_load, "answer_counter.bpf.o"));
		pass_.reset(open_and_load(xdp_pass_bpf__open_and_load, "xdp_pass.bpf.o"));
		reflector_.reset(open_and_load(reflector_bpf__open_and_load, "reflector.bpf.o"));
		test::Mac r_mac;
		{
			EnterNetns in(o_.r_ns);
			r_mac = mac_of(o_.r_in);
			r_in_ifindex_ = interface_index(o_.r_in);
		}
		{
			EnterNetns in(o_.h1_ns);
			frame_ = test::Packet()
					 .eth(mac_of(o_.h1_dev), r_mac)
					 .ipv6(o_.src, o_.dst)
					 .udp(4000, 4001)
					 .fill_to_ip_len(o_.ip_len)
					 .build();
		}
		frame_head head = head_of(frame_);
		uint32_t zero = 0;
		if (bpf_map_update_elem(bpf_map__fd(gen_->maps.trafficgen_frame), &zero, &head, BPF_ANY) != 0)
			throw Error(errno_message("cannot give the generator its frame", errno));
		counting_ = std::make_unique<XdpSwap>(o_.h1_ns, o_.h1_dev, bpf_program__fd(counter_->progs.answer_counter));
	}

	Sample measure(VariantId v, double seconds, bool with_bpf_stats)
	{
		std::unique_ptr<XdpSwap> on_r;
		if (v == kKernel)
			on_r = std::make_unique<XdpSwap>(o_.r_ns, o_.r_in, bpf_program__fd(pass_->progs.xdp_pass));
		else if (v == kReflector)
			on_r = std::make_unique<XdpSwap>(o_.r_ns, o_.r_in, bpf_program__fd(reflector_->progs.reflector));
		else
			attach_pmtuguard();
		try {
			Sample s = generate(v, seconds, with_bpf_stats);
			if (v == kPmtuguard)
				detach_pmtuguard();
			return s;
		} catch (...) {
			if (v == kPmtuguard)
				detach_pmtuguard();
			throw;
		}
	}

	// What the kernel variant is measured with: PTB rate limiting in r's
	// namespace (type 2 is outside the default ratemask: unlimited).
	std::string kernel_icmp_settings() const
	{
		EnterNetns in(o_.r_ns);
		return "net.ipv6.icmp.ratemask = " + read_line("/proc/sys/net/ipv6/icmp/ratemask") +
		       ", net.ipv6.icmp.ratelimit = " + read_line("/proc/sys/net/ipv6/icmp/ratelimit") + " ms";
	}

	const test::Bytes &frame() const { return frame_; }

private:
	void attach_pmtuguard()
	{
		EnterNetns in(o_.r_ns);
		AttachOptions opts;
		opts.interfaces = {o_.r_in, o_.r_out};
		opts.mode = PG_MODE_NATIVE;
		Datapath(o_.pin_dir).attach(opts);
		// As `pmtuguard limits set --source-rate 0 --global-rate 0`.
		PinnedMaps maps(o_.pin_dir);
		pg_settings s = maps.settings();
		s.source_rate = 0;
		s.global_rate = 0;
		maps.set_settings(s);
	}

	// All of it, maps too: with libbpf 1.1 a second attach cannot reuse the
	// pinned devmap (the kernel adds BPF_F_RDONLY_PROG to its flags).
	void detach_pmtuguard()
	{
		EnterNetns in(o_.r_ns);
		Datapath(o_.pin_dir).detach_all();
	}

	uint64_t answers(answer_kind kind) const
	{
		int ncpus = libbpf_num_possible_cpus();
		std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpus));
		uint32_t key = kind;
		if (bpf_map_lookup_elem(bpf_map__fd(counter_->maps.answers), &key, per_cpu.data()) != 0)
			throw Error(errno_message("cannot read the answer counter", errno));
		uint64_t sum = 0;
		for (uint64_t n : per_cpu)
			sum += n;
		return sum;
	}

	// The program r runs on its ingress, for BPF statistics.
	int r_prog_fd() const
	{
		EnterNetns in(o_.r_ns);
		uint32_t id = 0;
		if (bpf_xdp_query_id(r_in_ifindex_, XDP_FLAGS_DRV_MODE, &id) != 0 || !id)
			throw Error("no XDP program on " + o_.r_in);
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			throw Error(errno_message("cannot open r's XDP program", errno));
		return fd;
	}

	static bpf_prog_info prog_info(int fd)
	{
		bpf_prog_info info{};
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			throw Error(errno_message("cannot read program statistics", errno));
		return info;
	}

	CounterValues pmtuguard_counters() const
	{
		return PinnedMaps(o_.pin_dir).counters(static_cast<uint32_t>(r_in_ifindex_));
	}

	Sample generate(VariantId v, double seconds, bool with_bpf_stats)
	{
		answer_kind kind = v == kReflector ? ANSWER_REFLECTED : ANSWER_PTB;
		int stats_fd = -1, prog_fd = -1;
		if (with_bpf_stats) {
			stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME); // on while the fd is open
			if (stats_fd < 0)
				throw Error(errno_message("cannot enable BPF run-time statistics", errno));
			prog_fd = r_prog_fd();
		}
		Sample s;
		uint64_t answers_before = answers(kind);
		CounterValues pmtuguard_before = v == kPmtuguard ? pmtuguard_counters() : CounterValues{};
		uint64_t into_r_before;
		{
			EnterNetns in(o_.r_ns);
			into_r_before = rx_packets(o_.r_in);
		}
		bpf_prog_info info_before = with_bpf_stats ? prog_info(prog_fd) : bpf_prog_info{};
		{
			EnterNetns in(o_.h1_ns);
			int h1_ifindex = interface_index(o_.h1_dev);
			double cpu_before = thread_cpu_seconds() + task_cpu_seconds(ksoftirqd_);
			auto start = Clock::now();
			do {
				xdp_md ctx{};
				ctx.data_end = static_cast<uint32_t>(frame_.size());
				ctx.ingress_ifindex = static_cast<uint32_t>(h1_ifindex);
				LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame_.data(),
					    .data_size_in = static_cast<uint32_t>(frame_.size()), .ctx_in = &ctx,
					    .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(o_.frames_per_call),
					    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
				if (bpf_prog_test_run_opts(bpf_program__fd(gen_->progs.trafficgen), &opts) != 0)
					throw Error(errno_message("live-frames BPF_PROG_TEST_RUN", errno));
			} while (Clock::now() - start < std::chrono::duration<double>(seconds));
			s.wall = std::chrono::duration<double>(Clock::now() - start).count();
			s.cpu = thread_cpu_seconds() + task_cpu_seconds(ksoftirqd_) - cpu_before;
			// Frames still in the veth rings are answered within microseconds.
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
		}
		if (with_bpf_stats) {
			bpf_prog_info after = prog_info(prog_fd);
			uint64_t runs = after.run_cnt - info_before.run_cnt;
			s.prog_ns = runs ? static_cast<double>(after.run_time_ns - info_before.run_time_ns) / runs : 0;
			close(prog_fd);
			close(stats_fd);
		}
		{
			EnterNetns in(o_.r_ns);
			s.into_r = rx_packets(o_.r_in) - into_r_before;
		}
		s.answers = answers(kind) - answers_before;
		if (v == kPmtuguard) {
			CounterValues after = pmtuguard_counters();
			for (size_t i = 0; i < after.size(); i++)
				s.pmtuguard[i] = after[i] - pmtuguard_before[i];
		}
		if (s.answers == 0)
			throw Error(std::string(kVariantNames[v]) + ": no answer came back to h1; is the lab up?");
		return s;
	}

	const Options &o_;
	Owned<trafficgen_bpf, trafficgen_bpf__destroy> gen_;
	Owned<answer_counter_bpf, answer_counter_bpf__destroy> counter_;
	Owned<xdp_pass_bpf, xdp_pass_bpf__destroy> pass_;
	Owned<reflector_bpf, reflector_bpf__destroy> reflector_;
	int r_in_ifindex_ = 0;
	pid_t ksoftirqd_ = ksoftirqd_of(o_.cpu);
	test::Bytes frame_;
	std::unique_ptr<XdpSwap> counting_;
};

void pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		throw Error(errno_message("cannot pin the generator to CPU " + std::to_string(cpu), errno));
}

int run(int argc, char **argv)
{
	Options o;
	CLI::App app{"pmtuguard end to end: PTBs per second from a live-frames flood, against the kernel and an XDP "
		     "reflector"};
	app.add_option("--h1-ns", o.h1_ns, "the sending host's namespace")->required();
	app.add_option("--r-ns", o.r_ns, "the router's namespace")->required();
	app.add_option("--h1-dev", o.h1_dev, "h1's device towards r")->required();
	app.add_option("--r-in", o.r_in, "r's device towards h1")->required();
	app.add_option("--r-out", o.r_out, "r's device on the smaller-MTU link")->required();
	app.add_option("--src", o.src, "h1's address")->required();
	app.add_option("--dst", o.dst, "an address behind the smaller-MTU link")->required();
	app.add_option("--pin-dir", o.pin_dir, "pmtuguard's pin dir (a bpffs outside /sys)")->required();
	app.add_option("--seconds", o.seconds, "generator run time per measurement")
		->check(CLI::Range(0.1, 60.0))
		->capture_default_str();
	app.add_option("--rounds", o.rounds, "rounds; each measures kernel, pmtuguard and reflector once")
		->check(CLI::Range(1u, 100u))
		->capture_default_str();
	app.add_option("--frames-per-call", o.frames_per_call, "frames per live-frames test_run call")
		->check(CLI::Range(1u, kMaxFramesPerCall))
		->capture_default_str();
	app.add_option("--ip-len", o.ip_len, "IPv6 length of the generated packets")
		->check(CLI::Range(1281u, 1500u))
		->capture_default_str();
	app.add_option("--cpu", o.cpu, "CPU the generator runs on (r's and h1's NAPI follow it)")
		->check(CLI::Range(0, 1023))
		->capture_default_str();
	std::vector<std::string> only;
	app.add_option("--variant", only, "measure only these of kernel, pmtuguard, reflector (to profile one)");
	add_results_option(app, o.results);
	CLI11_PARSE(app, argc, argv);
	std::array<bool, kVariants> measured{};
	for (int v = 0; v < kVariants; v++)
		measured[v] = only.empty() || std::find(only.begin(), only.end(), kVariantNames[v]) != only.end();
	for (const auto &name : only)
		if (std::find(std::begin(kVariantNames), std::end(kVariantNames), name) == std::end(kVariantNames))
			throw Error("unknown variant '" + name + "': expected kernel, pmtuguard or reflector");
	require_root();
	parse_ipv6_address(o.src);
	parse_ipv6_address(o.dst);
	pin_to_cpu(o.cpu);

	std::array<std::vector<Sample>, kVariants> samples;
	std::array<Sample, kVariants> stats_pass;
	std::string kernel_settings;
	size_t frame_len;
	{
		Lab lab(o);
		frame_len = lab.frame().size();
		kernel_settings = lab.kernel_icmp_settings();
		for (unsigned round = 0; round < o.rounds; round++) {
			for (int v = 0; v < kVariants; v++)
				if (measured[v])
					samples[v].push_back(lab.measure(static_cast<VariantId>(v), o.seconds, false));
			std::fprintf(stderr, "pg_bench_e2e: round %u of %u done\n", round + 1, o.rounds);
		}
		for (int v = 0; v < kVariants; v++)
			if (measured[v])
				stats_pass[v] = lab.measure(static_cast<VariantId>(v), o.seconds / 2, true);
	}

	auto med = [&](int v, auto field) {
		std::vector<double> values;
		for (const auto &s : samples[v])
			values.push_back(field(s));
		return median(values);
	};
	std::array<double, kVariants> rate{};
	Table table({"r runs", "answers per CPU-second", "answers per second (wall)", "CPU ns per answer",
		     "frames into r per answer", "r's XDP program ns per frame"});
	for (int v = 0; v < kVariants; v++) {
		if (!measured[v])
			continue;
		rate[v] = med(v, [](const Sample &s) { return s.answers / s.cpu; });
		table.add({kVariantNames[v], fixed(rate[v], 0), fixed(med(v, [](const Sample &s) { return s.answers / s.wall; }), 0),
			   fixed(1e9 / rate[v], 0),
			   fixed(med(v, [](const Sample &s) { return static_cast<double>(s.into_r) / s.answers; }), 2),
			   fixed(stats_pass[v].prog_ns, 1)});
	}
	double vs_reflector = rate[kPmtuguard] / rate[kReflector];
	double vs_kernel = rate[kPmtuguard] / rate[kKernel];
	Table ratios({"ratio", "value", "target", "met"});
	if (measured[kPmtuguard] && measured[kReflector])
		ratios.add({"pmtuguard / reflector (PTB/s)", fixed(vs_reflector, 2), ">= 0.75",
			    vs_reflector >= 0.75 ? "yes" : "**no**"});
	if (measured[kPmtuguard] && measured[kKernel])
		ratios.add({"pmtuguard / kernel (PTB/s)", fixed(vs_kernel, 1) + "x", ">= 10x",
			    vs_kernel >= 10 ? "yes" : "**no**"});

	// Where the frames pmtuguard saw went, over all its measurements.
	CounterValues seen{};
	uint64_t ptb_counted = 0;
	for (const auto &s : samples[kPmtuguard]) {
		for (size_t i = 0; i < seen.size(); i++)
			seen[i] += s.pmtuguard[i];
		ptb_counted += s.answers;
	}
	std::string outcomes;
	for (const auto &info : counter_infos())
		if (seen[info.id] && info.id != PG_CNT_RX_PACKETS)
			outcomes += std::string(outcomes.empty() ? "" : ", ") + std::string(info.name) + " " +
				    std::to_string(seen[info.id]);

	std::string text = results_header("End to end in the lab (live-frames generator)", argc, argv);
	text += "- generator: one thread on CPU " + std::to_string(o.cpu) +
		", BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, " + std::to_string(o.frames_per_call) +
		" frames per call, XDP_TX out of h1's veth; UDP packets of " + std::to_string(o.ip_len) +
		" B of IPv6 (" + std::to_string(frame_len) + " B frames) to " + o.dst + ", which r routes out of " + o.r_out +
		" with a smaller MTU.\n";
	text += "- rounds: " + std::to_string(o.rounds) + ", each measuring kernel, pmtuguard and reflector in turn for " +
		fixed(o.seconds, 1) + " s of generator time; medians over the rounds.\n";
	text += "- rates are over the generator's own run time, counted in CPU time: its thread's "
		"(CLOCK_THREAD_CPUTIME_ID, which includes r's and h1's receive processing, run in its context when it "
		"sends) plus ksoftirqd's on its CPU (processing deferred there). On an idle machine that equals its "
		"wall-clock time; the wall-clock rate is shown too, and is lower where other work shared the CPU.\n";
	text += "- answers: PTBs (the reflector: its frames) counted and dropped by answer_counter.bpf.c on h1's "
		"veth.\n";
	text += "- kernel: r's stack answers (" + kernel_settings +
		"); r's ingress runs xdp_pass, without which a veth drops XDP_TX frames from its peer.\n";
	text += "- pmtuguard: attached to " + o.r_in + " and " + o.r_out +
		" in native mode with the rate limits off (as `pmtuguard limits set --source-rate 0 --global-rate "
		"0`). Its counters on " + o.r_in + " over the rounds: rx_packets " + std::to_string(seen[PG_CNT_RX_PACKETS]) +
		" (" + outcomes + "); h1 counted " + std::to_string(ptb_counted) + " PTBs.\n";
	text += "- CPU ns per answer: that CPU time over the answers, so everything one answer costs: generating the "
		"frame, the veths, r's work and h1's count. The last column is r's XDP program alone (pmtuguard, the "
		"reflector, or the kernel variant's xdp_pass), from BPF run-time statistics in a separate pass of " +
		fixed(o.seconds / 2, 1) + " s per variant (they slow every run, so they are off in the others).\n\n";
	text += table.markdown() + "\n" + ratios.markdown();
	publish(o.results, text);
	return 0;
}

} // namespace
} // namespace pmtuguard::bench

int main(int argc, char **argv)
{
	return pmtuguard::bench::bench_main("pg_bench_e2e", pmtuguard::bench::run, argc, argv);
}
