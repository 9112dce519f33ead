// pg_bench_paths: what each pmtuguard path costs per packet, measured with
// BPF_PROG_TEST_RUN next to baselines that get the same frame in the same
// round: an empty program of the same hook (the floor) and, in XDP, a bare
// forwarder (what any XDP forwarder pays, bare_forwarder.bpf.c). The XDP
// program runs on an xdp_md, the tc ingress program on an __sk_buff.
//
// The router is the tests' (tests/support/router.h): a namespace with
// devices, routes and permanent neighbours, so bpf_fib_lookup answers as on a
// real router. pmtuguard is loaded without pins and configured through the
// same library calls `pmtuguard attach` makes.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bare_forwarder_bpf.skel.h"
#include "common.h"
#include "lib/bpffs.h"
#include "lib/datapath.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "pmtuguard_bpf.skel.h"
#include "rearm_bpf.skel.h"
#include "support/packet.h"
#include "support/router.h"
#include "support/skb_datapath.h"
#include "support/test_run.h"
#include "tc_ok_bpf.skel.h"
#include "xdp_pass_bpf.skel.h"

namespace pmtuguard::bench {
namespace {

using test::Bytes;
using test::Packet;
using test::Router;
using test::TestRunResult;

enum Hook { kXdp, kTc };

// The programs compared on every path, in table order. The bare forwarder is
// XDP only: tc has no contender of its kind here.
enum Contender { kEmpty, kBare, kPmtuguard, kContenders };
constexpr const char *kContenderNames[2][kContenders] = {{"empty XDP", "bare forwarder", "pmtuguard XDP"},
							  {"empty tc", "(none)", "pmtuguard tc ingress"}};
constexpr int kNotRun = -1; // the action of a contender a path does not measure

std::string action_name(Hook hook, int action)
{
	return hook == kXdp ? test::xdp_action_name(action) : test::tc_action_name(action);
}

// A size every path can carry: over the 1280 link, within the 1500 one.
constexpr size_t kIpLen = 1400;

// A sender on `in` outside Router::kHost's /64 (rate limits group by /64).
constexpr const char *kLimitedSource = "2001:db8:1:1::100";

// A PTB built on an skb leaves the skb's network header 48 bytes further
// from its start each time (bpf_skb_change_head moves only the MAC header,
// and no helper moves it back); after about 25 PTBs on one skb the kernel
// refuses to resize it. So the tc PTB row makes its runs in calls of 20.
constexpr uint32_t kTcPtbRunsPerCall = 20;

// Rate limits that run all their code but never hold a PTB back.
constexpr uint32_t kRateNeverReached = 2000000000;

struct Path {
	std::string name;
	std::string frame_text;
	Bytes frame;
	Hook hook = kXdp;
	// The frame comes back rewritten: run every contender behind rearm.bpf.c.
	bool rearm = false;
	std::array<int, kContenders> action{};
	pg_settings settings{};
	pg_counter counter{};       // the pmtuguard counter every run must move ...
	double counted_share = 1.0; // ... in at least this share of the runs
	bool spend_source_bucket = false; // a PTB first, so that the runs find the bucket empty
	Contender baseline = kEmpty; // the target is pmtuguard / baseline <= target
	uint32_t max_runs_per_call = 0; // 0: all the runs of a measurement in one test_run call
	double target = 0;
};

pg_settings limits(uint32_t source_rate, uint32_t source_burst, uint32_t global_rate, uint32_t global_burst)
{
	pg_settings s = default_settings();
	s.source_rate = source_rate;
	s.source_burst = source_burst;
	s.global_rate = global_rate;
	s.global_burst = global_burst;
	return s;
}

std::vector<Path> paths()
{
	const pg_settings unreached = limits(kRateNeverReached, 1, kRateNeverReached, 1);
	Bytes ipv4(50, 0x45); // opaque: only the EtherType is looked at
	std::vector<Path> out;
	out.push_back({
		.name = "non-IPv6: pass",
		.frame_text = "IPv4, 64 B",
		.frame = Packet().eth(Router::kHostMac, Router::kInMac).ethertype_payload(test::kEthIpv4, ipv4).build(),
		.action = {XDP_PASS, XDP_PASS, XDP_PASS},
		.settings = unreached,
		.counter = PG_CNT_PASS_NOT_IPV6,
		.target = 1.3,
	});
	out.push_back({
		.name = "IPv6 forward",
		.frame_text = "UDP, 1400 B IPv6 to the 1500 link",
		.frame = Router::from_host(Router::kBehindWide).udp(4000, 4001).fill_to_ip_len(kIpLen).build(),
		.rearm = true,
		.action = {XDP_PASS, XDP_REDIRECT, XDP_REDIRECT},
		.settings = unreached,
		.counter = PG_CNT_FORWARDED,
		.baseline = kBare,
		.target = 1.15,
	});
	out.push_back({
		.name = "oversize: PTB",
		.frame_text = "UDP, 1400 B IPv6 to the 1280 link",
		.frame = Router::from_host(Router::kBehindNarrow).udp(4000, 4001).fill_to_ip_len(kIpLen).build(),
		.rearm = true,
		.action = {XDP_PASS, XDP_PASS, XDP_TX},
		.settings = unreached,
		.counter = PG_CNT_PTB_SENT,
		.baseline = kBare,
		.target = 2.0,
	});
	out.push_back({
		.name = "oversize, rate-limited: drop",
		.frame_text = "the same from another /64, its limit (1 PTB/s) spent",
		// Its own /64, so its spent bucket never holds back the PTB row's.
		.frame = Router::from_host(Router::kBehindNarrow, kLimitedSource).udp(4000, 4001).fill_to_ip_len(kIpLen).build(),
		// A token comes back every second and lets one PTB out.
		.rearm = true,
		.action = {XDP_PASS, XDP_PASS, XDP_DROP},
		.settings = limits(1, 1, 0, 1),
		.counter = PG_CNT_PTB_SUPP_RATE_LIMIT,
		.counted_share = 0.999,
		.spend_source_bucket = true,
		.baseline = kBare,
		.target = 0, // no target set for it
	});
	// The same frames on the skb path (`attach --mode tc`), against an empty
	// tc program; the issue sets no target for them.
	for (size_t xdp_row : {size_t{1}, size_t{2}}) {
		Path tc = out[xdp_row];
		tc.name += " (tc ingress)";
		tc.hook = kTc;
		tc.action = {TC_ACT_OK, kNotRun, TC_ACT_REDIRECT};
		tc.baseline = kEmpty;
		tc.target = 0;
		if (tc.counter == PG_CNT_PTB_SENT)
			tc.max_runs_per_call = kTcPtbRunsPerCall;
		out.push_back(tc);
	}
	return out;
}

class Bench {
public:
	Bench()
	{
		empty_xdp_.reset(open_and_load(xdp_pass_bpf__open_and_load, "xdp_pass.bpf.o"));
		empty_tc_.reset(open_and_load(tc_ok_bpf__open_and_load, "tc_ok.bpf.o"));
		bare_.reset(open_and_load(bare_forwarder_bpf__open_and_load, "bare_forwarder.bpf.o"));
		rearm_.reset(open_and_load(rearm_bpf__open_and_load, "rearm.bpf.o"));
		load_pmtuguard();
		for (int ifindex : {router_.narrow, router_.wide}) {
			bpf_devmap_val port{};
			port.ifindex = static_cast<uint32_t>(ifindex);
			uint32_t key = port.ifindex;
			if (bpf_map_update_elem(bpf_map__fd(bare_->maps.bare_tx_ports), &key, &port, BPF_ANY) != 0)
				throw Error(errno_message("bare forwarder: cannot add a redirect port", errno));
		}
		// The interface configuration is the same for XDP and tc; native
		// mode also gives the XDP program its redirect ports.
		AttachOptions opts;
		opts.mode = PG_MODE_NATIVE;
		for (int ifindex : {router_.in, router_.narrow, router_.wide})
			configure_interface(*maps_, ifindex, opts);
	}
	~Bench()
	{
		maps_.reset();
		pmtuguard_bpf__destroy(pmtuguard_);
	}
	Bench(const Bench &) = delete;
	Bench &operator=(const Bench &) = delete;

	// One measurement: ns per run, after checking that every run took the
	// path (the action of the last run, and pmtuguard's counters).
	double measure(const Path &path, Contender who, uint32_t repeat)
	{
		int fd = prog_fd(path.hook, who);
		if (path.rearm) {
			arm(path, fd);
			fd = path.hook == kXdp ? bpf_program__fd(rearm_->progs.rearm_xdp)
					       : bpf_program__fd(rearm_->progs.rearm_tc);
		}
		CounterValues before = maps_->counters(static_cast<uint32_t>(router_.in));
		TestRunResult r = run_in_calls(path, fd, repeat);
		const char *who_name = kContenderNames[path.hook][who];
		if (r.retval != path.action[who])
			throw Error(path.name + ": " + who_name + " returned " + action_name(path.hook, r.retval) +
				    ", expected " + action_name(path.hook, path.action[who]));
		if (who == kPmtuguard) {
			uint64_t moved = maps_->counters(static_cast<uint32_t>(router_.in))[path.counter] - before[path.counter];
			if (moved < static_cast<uint64_t>(path.counted_share * repeat))
				throw Error(path.name + ": counter " + std::string(counter_infos()[path.counter].name) +
					    " moved by " + std::to_string(moved) + " in " + std::to_string(repeat) +
					    " runs: the runs did not all take this path");
		}
		return r.ns_per_run;
	}

	void apply(const pg_settings &s) { maps_->set_settings(s); }

	// The empty program of the path's hook on its frame, with nothing in front of it.
	double floor(const Path &path, uint32_t repeat)
	{
		return run_in_calls(path, prog_fd(path.hook, kEmpty), repeat).ns_per_run;
	}

	void spend_source_bucket(const Path &path)
	{
		run(path.hook, prog_fd(path.hook, kPmtuguard), path.frame, 1);
	}

private:
	void load_pmtuguard()
	{
		pmtuguard_ = pmtuguard_bpf__open();
		if (!pmtuguard_)
			throw Error(errno_message("cannot open pmtuguard.bpf.o", errno));
		// The XDP and the tc ingress program, sharing their maps: test_run
		// needs nothing else.
		bpf_program *prog;
		bpf_object__for_each_program(prog, pmtuguard_->obj)
			bpf_program__set_autoload(prog, prog == pmtuguard_->progs.pmtuguard_xdp ||
								prog == pmtuguard_->progs.pmtuguard_tc_ingress);
		if (int err = pmtuguard_bpf__load(pmtuguard_))
			throw Error(errno_message("cannot load pmtuguard's XDP and tc ingress programs", err));
		maps_ = std::make_unique<PinnedMaps>(pmtuguard_->obj);
	}

	int prog_fd(Hook hook, Contender who) const
	{
		switch (who) {
		case kEmpty:
			return hook == kXdp ? bpf_program__fd(empty_xdp_->progs.xdp_pass) : bpf_program__fd(empty_tc_->progs.tc_ok);
		case kBare:
			if (hook != kXdp)
				throw Error("the bare forwarder is an XDP program");
			return bpf_program__fd(bare_->progs.bare_forwarder);
		default:
			return hook == kXdp ? bpf_program__fd(pmtuguard_->progs.pmtuguard_xdp)
					    : bpf_program__fd(pmtuguard_->progs.pmtuguard_tc_ingress);
		}
	}

	TestRunResult run(Hook hook, int fd, const Bytes &frame, uint32_t repeat) const
	{
		if (hook == kXdp)
			return test::xdp_test_run(fd, frame, router_.in, repeat);
		__sk_buff ctx{};
		ctx.ifindex = static_cast<uint32_t>(router_.in);
		return test::test_run(fd, frame, &ctx, sizeof(ctx), repeat);
	}

	// `repeat` runs in as few calls as the path allows; ns per run over all of
	// them, the action of the last (and no frame).
	TestRunResult run_in_calls(const Path &path, int fd, uint32_t repeat) const
	{
		uint32_t per_call = path.max_runs_per_call ? path.max_runs_per_call : repeat;
		TestRunResult total;
		double ns = 0;
		for (uint32_t done = 0; done < repeat;) {
			uint32_t runs = std::min(per_call, repeat - done);
			TestRunResult r = run(path.hook, fd, path.frame, runs);
			ns += r.ns_per_run * runs;
			total.retval = r.retval;
			done += runs;
		}
		total.ns_per_run = ns / repeat;
		return total;
	}

	void arm(const Path &path, int target_fd)
	{
		frame_head orig = head_of(path.frame);
		uint32_t zero = 0;
		bpf_map *target = path.hook == kXdp ? rearm_->maps.rearm_target_xdp : rearm_->maps.rearm_target_tc;
		if (bpf_map_update_elem(bpf_map__fd(rearm_->maps.rearm_original), &zero, &orig, BPF_ANY) != 0 ||
		    bpf_map_update_elem(bpf_map__fd(target), &zero, &target_fd, BPF_ANY) != 0)
			throw Error(errno_message("rearm: cannot set up", errno));
	}

	Router router_; // first in, last out: the programs' lookups happen in its namespace
	Owned<xdp_pass_bpf, xdp_pass_bpf__destroy> empty_xdp_;
	Owned<tc_ok_bpf, tc_ok_bpf__destroy> empty_tc_;
	Owned<bare_forwarder_bpf, bare_forwarder_bpf__destroy> bare_;
	Owned<rearm_bpf, rearm_bpf__destroy> rearm_;
	pmtuguard_bpf *pmtuguard_ = nullptr;
	std::unique_ptr<PinnedMaps> maps_;
};

std::string ratio_text(double r)
{
	return fixed(r, 2) + "x";
}

// Per path: every round's figures for each contender, already net of the
// rearm harness, and what the harness cost.
struct Samples {
	std::array<std::vector<double>, kContenders> ns;
	std::vector<double> harness;
};

Samples measure_round(Bench &bench, const Path &path, uint32_t repeat, Samples samples)
{
	bench.apply(path.settings);
	if (path.spend_source_bucket)
		bench.spend_source_bucket(path);
	double floor = bench.floor(path, repeat);
	std::array<double, kContenders> raw{};
	for (int who = 0; who < kContenders; who++)
		if (path.action[who] != kNotRun)
			raw[who] = bench.measure(path, static_cast<Contender>(who), repeat);
	// Behind rearm, the empty program costs the floor plus the harness.
	double harness = path.rearm ? raw[kEmpty] - floor : 0;
	for (int who = 0; who < kContenders; who++)
		if (path.action[who] != kNotRun)
			samples.ns[who].push_back(raw[who] - harness);
	samples.harness.push_back(harness);
	return samples;
}

int run(int argc, char **argv)
{
	CLI::App app{"pmtuguard per-path cost with BPF_PROG_TEST_RUN, against an empty program and a bare forwarder"};
	uint32_t repeat = 1000000;
	unsigned rounds = 5;
	std::vector<std::string> only;
	std::string results;
	app.add_option("--repeat", repeat, "runs per measurement (the kernel averages them)")
		->check(CLI::Range(1u, 100000000u))
		->capture_default_str();
	app.add_option("--rounds", rounds, "rounds; each measures every path and contender once")
		->check(CLI::Range(1u, 1000u))
		->capture_default_str();
	app.add_option("--path", only, "measure only these paths (by the name in the table; default all)");
	add_results_option(app, results);
	CLI11_PARSE(app, argc, argv);
	require_root();

	const std::vector<Path> all = paths();
	std::vector<Path> selected;
	for (const auto &path : all)
		if (only.empty() || std::find(only.begin(), only.end(), path.name) != only.end())
			selected.push_back(path);
	for (const auto &name : only)
		if (std::none_of(selected.begin(), selected.end(), [&](const Path &p) { return p.name == name; }))
			throw Error("unknown path '" + name + "'");

	std::vector<Samples> samples(selected.size());
	{
		Bench bench;
		for (unsigned round = 0; round < rounds; round++) {
			for (size_t p = 0; p < selected.size(); p++)
				samples[p] = measure_round(bench, selected[p], repeat, std::move(samples[p]));
			std::fprintf(stderr, "pg_bench_paths: round %u of %u done\n", round + 1, rounds);
		}
	}

	Table table({"path", "frame", "rearm ns (taken off)", "empty program ns", "bare forwarder ns", "pmtuguard ns",
		     "pmtuguard / empty", "pmtuguard / bare", "target", "met"});
	bool all_met = true;
	for (size_t p = 0; p < selected.size(); p++) {
		const Path &path = selected[p];
		std::array<double, kContenders> med{};
		for (int who = 0; who < kContenders; who++)
			med[who] = median(samples[p].ns[who]);
		// Ratios within each round, then their median: a burst of other work
		// on the machine then skews one round's ratio, not the medians of
		// one contender.
		auto pmtuguard_over = [&](Contender baseline) {
			std::vector<double> ratios;
			for (size_t round = 0; round < samples[p].ns[kPmtuguard].size(); round++)
				ratios.push_back(samples[p].ns[kPmtuguard][round] / samples[p].ns[baseline][round]);
			return median(ratios);
		};
		bool has_bare = path.action[kBare] != kNotRun;
		std::string target = "-", met = "-";
		if (path.target > 0) {
			double r = pmtuguard_over(path.baseline);
			target = "<= " + fixed(path.target, 2) + "x " + (path.baseline == kEmpty ? "empty" : "bare");
			met = r <= path.target ? "yes" : "**no**";
			all_met = all_met && r <= path.target;
		}
		table.add({path.name, path.frame_text, path.rearm ? fixed(median(samples[p].harness), 0) : "-",
			   fixed(med[kEmpty], 1), has_bare ? fixed(med[kBare], 1) : "-", fixed(med[kPmtuguard], 1),
			   ratio_text(pmtuguard_over(kEmpty)), has_bare ? ratio_text(pmtuguard_over(kBare)) : "-", target,
			   met});
	}

	std::string text = results_header("Per-path cost (BPF_PROG_TEST_RUN)", argc, argv);
	text += "- rounds: " + std::to_string(rounds) + " of " + std::to_string(repeat) +
		" runs per measurement; each round measures every path and contender once, in table order. The "
		"figures are medians over the rounds of the kernel's own ns per run (it reports whole ns); the ratios "
		"are medians over the rounds of each round's ratio.\n";
	text += "- hooks: the XDP rows run pmtuguard_xdp on an xdp_md against xdp_pass (XDP_PASS) and the bare "
		"forwarder; the tc rows run pmtuguard_tc_ingress (what `attach --mode tc` puts on ingress) on an "
		"__sk_buff against tc_ok.bpf.c (TC_ACT_OK), the same frames. tc forwards with bpf_redirect_neigh and "
		"sends the PTB with bpf_redirect: both return TC_ACT_REDIRECT.\n";
	text += "- rate limits: on, at " + std::to_string(kRateNeverReached) +
		" PTB/s per source and globally (all their code runs, nothing is held back); on the rate-limited "
		"row 1 PTB/s per /64 source, burst 1, global off.\n";
	text += "- every measurement is checked: the action of the last run, and pmtuguard's counter for the path "
		"moved once per run (in 99.9% of the runs on the rate-limited row).\n";
	text += "- rearm: test_run runs a program `repeat` times on one buffer and never restores it, so on a path "
		"whose program rewrites the frame, every contender runs behind rearm.bpf.c (its XDP or its tc "
		"program), which restores the frame and tail-calls it. Its cost (the empty program behind it, less "
		"the empty program alone, same round) is taken off every column. On the PTB rows pmtuguard's frame "
		"also needs its head and tail moved back (on an skb, bpf_skb_adjust_room and bpf_skb_change_tail), which "
		"stays in its column: that figure is high by as much.\n";
	text += "- the tc PTB row makes its runs in test_run calls of " + std::to_string(kTcPtbRunsPerCall) +
		", every contender alike: each PTB built on an skb leaves its network header 48 bytes further from its "
		"start (bpf_skb_change_head moves only the MAC header back, and no helper undoes it), and after about "
		"25 the kernel refuses to resize the skb. Each call starts on a new skb, whose first run finds "
		"nothing in the cache.\n\n";
	text += table.markdown();
	text += std::string("\nAll targets met: ") + (all_met ? "yes" : "no") + "\n";
	publish(results, text);
	return 0;
}

} // namespace
} // namespace pmtuguard::bench

int main(int argc, char **argv)
{
	return pmtuguard::bench::bench_main("pg_bench_paths", pmtuguard::bench::run, argc, argv);
}
