// pg_bench_source_rules: what choosing the routing table by source address
// costs per packet, with 1, 1,000, 10,000 and 100,000 rules, in pmtuguard's
// rule map and in the kernel's `ip -6 rule` list, in one run.
//
// Each count N gets a router of its own (tests/support/router.h, one
// namespace each) and a pmtuguard datapath of its own, so that every round
// measures all counts back to back and a machine busy with other work slows
// them alike. In each, both rule sets hold N source /64s that send their
// packets to table 100 (via `wide`): pmtuguard's its own N, the kernel's
// another N. The pmtuguard probe comes from one of pmtuguard's /64s; the
// kernel probe matches no pmtuguard rule, so pmtuguard asks bpf_fib_lookup
// without DIRECT and the kernel walks its rules to the probe's, the last it
// consults. Both probes take the full forward path (100 B UDP, XDP_REDIRECT
// to `wide`), measured with BPF_PROG_TEST_RUN.
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "support/bpf_fixture.h"
#include "support/netns.h"
#include "support/packet.h"
#include "support/router.h"
#include "support/test_run.h"

namespace pmtuguard::bench {
namespace {

using test::Bytes;
using test::Router;

constexpr uint32_t kTable = 100;
constexpr const char *kDestination = "2001:db8:30::5"; // behind `wide`, in table 100 and main
constexpr size_t kIpLen = 100;

// The i-th /64 of a block: 2001:db8:BLOCK+hi:lo::/64, i < 2^24.
Ipv6Prefix nth_prefix(uint16_t block, uint32_t i)
{
	Ipv6Prefix p;
	p.len = 64;
	p.addr = {0x20, 0x01, 0x0d, 0xb8};
	uint16_t hi = static_cast<uint16_t>(block + (i >> 16));
	p.addr[4] = static_cast<uint8_t>(hi >> 8);
	p.addr[5] = static_cast<uint8_t>(hi);
	p.addr[6] = static_cast<uint8_t>(i >> 8);
	p.addr[7] = static_cast<uint8_t>(i);
	return p;
}

constexpr uint32_t kMainRulePref = 4000000000u;
constexpr uint32_t kFirstRulePref = 3000000000u;
constexpr uint16_t kPmtuguardBlock = 0x1000;
constexpr uint16_t kKernelBlock = 0x2000;

// Adds "from PREFIX lookup TABLE pref PREF" rules to the calling thread's
// namespace, as `ip -6 rule add` would but without NLM_F_EXCL and in falling
// priority order: the kernel then neither compares a new rule with every
// other one nor walks the list to its place, so 100,000 rules take seconds,
// not the half hour `ip -batch` needs.
void add_kernel_rules(const std::vector<std::pair<Ipv6Prefix, uint32_t>> &rules, uint32_t table)
{
	std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)> nl(mnl_socket_open(NETLINK_ROUTE), &mnl_socket_close);
	if (!nl || mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
		throw Error(errno_message("netlink socket", errno));
	std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
	for (size_t i = 0; i < rules.size(); i++) {
		const auto &[from, pref] = rules[i];
		nlmsghdr *nlh = mnl_nlmsg_put_header(buf.data());
		nlh->nlmsg_type = RTM_NEWRULE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
		nlh->nlmsg_seq = static_cast<uint32_t>(i + 1);
		auto *frh = static_cast<fib_rule_hdr *>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
		frh->family = AF_INET6;
		frh->src_len = static_cast<uint8_t>(from.len);
		frh->action = FR_ACT_TO_TBL;
		frh->table = RT_TABLE_UNSPEC;
		mnl_attr_put(nlh, FRA_SRC, 16, from.addr.data());
		mnl_attr_put_u32(nlh, FRA_PRIORITY, pref);
		mnl_attr_put_u32(nlh, FRA_TABLE, table);
		if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0)
			throw Error(errno_message("netlink send", errno));
		ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
		if (n < 0 || mnl_cb_run(buf.data(), n, static_cast<uint32_t>(i + 1), mnl_socket_get_portid(nl.get()),
					nullptr, nullptr) < 0)
			throw Error(errno_message("kernel rule from " + from.str(), errno));
	}
}

std::string probe_source(uint16_t block, uint32_t i)
{
	Ipv6Prefix p = nth_prefix(block, i);
	p.addr[15] = 1;
	return format_ipv6_address(p.addr);
}

// One rule count: its router, kernel rules and pmtuguard datapath.
class RuleSet {
public:
	RuleSet(uint32_t rules, double sample_ms) : rules_(rules), sample_ms_(sample_ms)
	{
		// The router's constructor left this thread in its namespace.
		router_.ns.ip({"-6", "route", "add", "2001:db8:30::/48", "via", "2001:db8:3::2", "dev", Router::kWide,
			       "table", std::to_string(kTable)});
		// The main table's rule goes behind every priority the rules here use.
		router_.ns.ip({"-6", "rule", "del", "pref", "32766"});
		router_.ns.ip({"-6", "rule", "add", "pref", std::to_string(kMainRulePref), "lookup", "main"});
		dp_.attach(router_.in);
		dp_.attach(router_.wide);
		dp_.maps().ensure_table_counters(kTable);
		// Each new kernel rule has a lower priority number than the ones
		// before, so the first, the probe's, stays the last one consulted.
		std::vector<std::pair<Ipv6Prefix, uint32_t>> kernel;
		for (uint32_t i = 0; i < rules; i++) {
			dp_.maps().rule_add({nth_prefix(kPmtuguardBlock, i), 0, kTable});
			kernel.emplace_back(nth_prefix(kKernelBlock, i), kFirstRulePref - i);
		}
		add_kernel_rules(kernel, kTable);
	}

	uint32_t rules() const { return rules_; }
	const std::string &netns() const { return router_.ns.name(); }

	static Bytes probe(uint16_t block)
	{
		return Router::from_host(kDestination, probe_source(block, 0))
			.hop_limit(255)
			.udp(4000, 9)
			.fill_to_ip_len(kIpLen)
			.build();
	}

	// ns per packet of one sample (the mean of the kernel's timings of a
	// few test runs), checking that every probe took the forward path and
	// chose, or did not choose, table 100 in pmtuguard. In this set's namespace.
	double sample(const Bytes &frame, bool in_pmtuguard_table)
	{
		uint64_t matched = dp_.maps().table_counters(kTable)[PG_TCNT_MATCHED];
		double first = run(frame), total = first;
		auto calls = static_cast<unsigned>(std::clamp(sample_ms_ * 1e6 / (first * kRunsPerCall), 1.0, kMaxCalls));
		for (unsigned c = 1; c < calls; c++)
			total += run(frame);
		uint64_t moved = dp_.maps().table_counters(kTable)[PG_TCNT_MATCHED] - matched;
		if (moved != (in_pmtuguard_table ? uint64_t{calls} * kRunsPerCall : 0))
			throw Error("the probe " + std::string(in_pmtuguard_table ? "missed" : "hit") +
				    " pmtuguard's rules (" + std::to_string(moved) + " matches)");
		return total / calls;
	}

private:
	// The test run repeats on one buffer, and forwarding lowers the hop
	// limit each time: from 255, 250 runs all forward. A call with repeats
	// also swaps the XDP dispatcher twice, ~16 ms of wall time the kernel's
	// timing leaves out; hence few calls per sample.
	static constexpr uint32_t kRunsPerCall = 250;
	static constexpr double kMaxCalls = 16;

	double run(const Bytes &frame)
	{
		test::TestRunResult r = test::xdp_test_run(dp_.prog_fd(), frame, router_.in, kRunsPerCall);
		if (r.retval != XDP_REDIRECT) {
			std::string why;
			CounterValues c = dp_.counters(router_.in);
			for (const auto &info : counter_infos())
				if (c[info.id] && info.name != "rx_packets" && info.name != "ipv6_packets")
					why += " " + std::string(info.name) + "=" + std::to_string(c[info.id]);
			throw Error("the probe was not forwarded: " + test::xdp_action_name(r.retval) + " (counters on `in`:" + why + ")");
		}
		return r.ns_per_run;
	}

	Router router_; // first in, last out: the lookups happen in its namespace
	test::XdpDatapath dp_;
	uint32_t rules_;
	double sample_ms_;
};

int run(int argc, char **argv)
{
	CLI::App app{"pg_bench_source_rules: per-packet cost of source-rule table selection, pmtuguard vs ip -6 rule"};
	std::vector<uint32_t> counts{1, 1000, 10000, 100000};
	unsigned rounds = 7;
	double sample_ms = 100;
	std::string out;
	app.add_option("--rules", counts, "rule counts, ascending")->capture_default_str();
	app.add_option("--rounds", rounds, "rounds; each samples every count once (medians are shown)")
		->check(CLI::Range(1u, 100u))
		->capture_default_str();
	app.add_option("--sample-ms", sample_ms, "time the runs of one sample may take (at most 16 x 250 runs)")
		->check(CLI::Range(1.0, 2000.0))
		->capture_default_str();
	add_results_option(app, out);
	CLI11_PARSE(app, argc, argv);
	if (!std::is_sorted(counts.begin(), counts.end()) || counts.empty() || counts.front() == 0 ||
	    counts.back() > PG_MAX_SOURCE_RULES)
		throw Error("--rules must be ascending counts of 1.." + std::to_string(PG_MAX_SOURCE_RULES));

	// Built in order and torn down in reverse: each router's namespace
	// returns the thread to the one before it.
	std::vector<std::unique_ptr<RuleSet>> sets;
	for (uint32_t n : counts)
		sets.push_back(std::make_unique<RuleSet>(n, sample_ms));
	Bytes ours = RuleSet::probe(kPmtuguardBlock), kernels = RuleSet::probe(kKernelBlock);

	struct Row {
		std::vector<double> pmtuguard, kernel, pmtuguard_ratio, kernel_ratio;
	};
	std::vector<Row> rows(sets.size());
	for (unsigned r = 0; r < rounds; r++) {
		for (size_t i = 0; i < sets.size(); i++) {
			EnterNetns in(sets[i]->netns());
			rows[i].pmtuguard.push_back(sets[i]->sample(ours, true));
			rows[i].kernel.push_back(sets[i]->sample(kernels, false));
		}
		// Against the first count of the same round: what the other work on
		// the machine does to a round it does to every count in it.
		for (auto &row : rows) {
			row.pmtuguard_ratio.push_back(row.pmtuguard.back() / rows[0].pmtuguard.back());
			row.kernel_ratio.push_back(row.kernel.back() / rows[0].kernel.back());
		}
		std::fprintf(stderr, "round %u of %u done\n", r + 1, rounds);
	}
	while (!sets.empty())
		sets.pop_back();

	Table table({"source rules", "pmtuguard ns/packet", "vs 1st count", "ip -6 rule ns/packet", "vs 1st count"});
	for (size_t i = 0; i < rows.size(); i++)
		table.add({std::to_string(counts[i]), fixed(median(rows[i].pmtuguard), 0),
			   fixed(median(rows[i].pmtuguard_ratio), 2), fixed(median(rows[i].kernel), 0),
			   fixed(median(rows[i].kernel_ratio), 2)});
	double ratio = median(rows.back().pmtuguard_ratio);
	std::string text = results_header("Source rules: the forward path by number of rules", argc, argv);
	text += "- target: pmtuguard at " + std::to_string(counts.back()) + " rules costs at most 1.2 x what it costs at " +
		std::to_string(counts.front()) + ": " + fixed(ratio, 2) + " x, " + (ratio <= 1.2 ? "met" : "NOT met") + "\n";
	text += "- method: 100 B UDP from a source in the first /64 of each rule set (the kernel's last), XDP_REDIRECT by table 100 "
		"(BPF_PROG_TEST_RUN, 250 runs per call from hop limit 255, up to 16 calls or " + fixed(sample_ms, 0) +
		" ms of runs per sample). Every round samples every count; the figures are medians over " +
		std::to_string(rounds) +
		" rounds, the ratios medians of each round's ratio to the round's first count. The ip -6 rule column "
		"is pmtuguard's forward path for a source without a pmtuguard rule: its bpf_fib_lookup walks the "
		"kernel's rules.\n\n";
	text += table.markdown();
	publish(out, text);
	return 0;
}

} // namespace
} // namespace pmtuguard::bench

int main(int argc, char **argv)
{
	return pmtuguard::bench::bench_main("pg_bench_source_rules", pmtuguard::bench::run, argc, argv);
}
