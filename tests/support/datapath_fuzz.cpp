#include "support/datapath_fuzz.h"

#include <cstring>
#include <stdexcept>

#include "lib/maps.h"
#include "support/bpf_fixture.h"
#include "support/datapath_invariants.h"
#include "support/router.h"
#include "support/skb_datapath.h"

namespace pmtuguard::test {
namespace {

constexpr size_t kFailuresKept = 20;
constexpr uint16_t kObservedVlan = 4095;
constexpr uint32_t kRuleTable = 100;
constexpr const char *kRuleSource = "2001:db8:7::/48";

// BPF_PROG_TEST_RUN takes one page minus headroom and skb_shared_info
// linear; XDP takes more as fragments, which the datapath (not frags-aware)
// sees only the first page of.
constexpr size_t kMaxSkbFrameLen = 3500;
constexpr size_t kMaxXdpFrameLen = 9216 + 22;

// Everything the fixtures share, written as `attach` and `rule add` would.
template <typename Datapath> void configure(Datapath &dp, Router &router)
{
	dp.attach(router.in);
	dp.attach(router.narrow);
	dp.attach(router.wide);
	dp.attach_vlan(router.in, Router::kVlanWithAddress, router.vlan_with_address);
	dp.attach_vlan(router.in, Router::kVlanWithoutAddress, router.vlan_without_address);
	dp.attach_vlan(router.in, kObservedVlan, router.vlan_with_address, true);

	router.ns.ip({"-6", "route", "add", "2001:db8:20::/48", "via", "2001:db8:2::2", "dev", Router::kNarrow, "table",
		      std::to_string(kRuleTable)});
	dp.maps().ensure_table_counters(kRuleTable);
	dp.maps().rule_add({Ipv6Prefix::parse(kRuleSource), 0, kRuleTable});
	dp.maps().set_local_addresses({ip6(Router::kInAddress), ip6(Router::kInSecondAddress), ip6(Router::kVlan100Address),
				       ip6("2001:db8:2::1"), ip6("2001:db8:3::1")});
}

std::vector<Ipv6Address> ptb_sources(const PinnedMaps &maps)
{
	std::vector<Ipv6Address> out;
	for (const auto &[key, cfg] : maps.ifaces()) {
		if (!(cfg.flags & PG_IFACE_HAS_SOURCE))
			continue;
		Ipv6Address a;
		std::memcpy(a.data(), cfg.ptb_source, a.size());
		out.push_back(a);
	}
	return out;
}

// The counter a frame ended up in: the verdict, or for an oversize one the answer.
std::string outcome_name(const CounterValues &delta)
{
	for (const auto &info : counter_infos()) {
		bool verdict = info.id == PG_CNT_FORWARDED || info.id == PG_CNT_PTB_SENT ||
			       info.name.starts_with(kPassedPrefix) || info.name.starts_with(kDroppedPrefix) ||
			       info.name.starts_with(kSuppressedPrefix);
		if (verdict && delta[info.id])
			return std::string(info.name);
	}
	return "none";
}

} // namespace

std::string to_hex(std::span<const uint8_t> bytes)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(bytes.size() * 2);
	for (uint8_t b : bytes) {
		s += digits[b >> 4];
		s += digits[b & 15];
	}
	return s;
}

struct DatapathFuzzer::Impl {
	Hook hook;
	Router router;
	std::unique_ptr<XdpDatapath> xdp;
	std::unique_ptr<SkbDatapath> skb;
	int ifindex = 0;
	std::vector<Ipv6Address> router_addresses;
	CounterValues last{};

	explicit Impl(Hook h) : hook(h)
	{
		if (hook == Hook::Xdp) {
			xdp = std::make_unique<XdpDatapath>();
			configure(*xdp, router);
			router_addresses = ptb_sources(xdp->maps());
		} else if (hook == Hook::TcIngress || hook == Hook::TcEgress) {
			skb = std::make_unique<SkbDatapath>();
			configure(*skb, router);
			router_addresses = ptb_sources(skb->maps());
		} else {
			throw std::invalid_argument("the fuzzer drives the XDP, tc ingress and tc egress programs");
		}
		ifindex = hook == Hook::TcEgress ? router.narrow : router.in;
		last = counters();
	}

	CounterValues counters() const { return xdp ? xdp->counters(ifindex) : skb->counters(ifindex); }

	std::pair<int, Bytes> run(std::span<const uint8_t> frame)
	{
		if (xdp) {
			XdpResult r = xdp->run(frame, ifindex);
			return {r.action, std::move(r.frame)};
		}
		SkbResult r = skb->run(hook == Hook::TcEgress ? SkbProgram::Egress : SkbProgram::Ingress, frame, ifindex);
		return {r.action, std::move(r.frame)};
	}
};

DatapathFuzzer::DatapathFuzzer(Hook hook) : impl_(std::make_unique<Impl>(hook)) {}

DatapathFuzzer::~DatapathFuzzer() = default;

size_t DatapathFuzzer::max_frame_len() const
{
	return impl_->hook == Hook::Xdp ? kMaxXdpFrameLen : kMaxSkbFrameLen;
}

HostileFrames DatapathFuzzer::frames(uint64_t seed) const
{
	return HostileFrames(seed, FrameTargets::router(), max_frame_len());
}

bool DatapathFuzzer::feed(std::span<const uint8_t> frame)
{
	if (impl_->skb && !SkbDatapath::test_run_accepts(frame)) {
		stats_.unreplayable_frames++;
		return true;
	}
	auto [action, output] = impl_->run(frame);
	CounterValues now = impl_->counters();
	Observed run{impl_->hook, frame, action, output, {}};
	for (size_t i = 0; i < now.size(); i++)
		run.delta[i] = now[i] - impl_->last[i];
	impl_->last = now;

	stats_.frames++;
	stats_.outcomes[outcome_name(run.delta)]++;
	std::vector<std::string> broken = invariant_violations(run, impl_->router_addresses);
	if (broken.empty())
		return true;
	stats_.failed_frames++;
	if (stats_.failures.size() < kFailuresKept) {
		std::string report = "frame " + std::to_string(stats_.frames - 1) + " (" + std::to_string(frame.size()) +
				     " bytes, action " + std::to_string(action) + ", " + outcome_name(run.delta) + "):";
		for (const auto &b : broken)
			report += "\n  - " + b;
		report += "\n  frame: " + to_hex(frame);
		stats_.failures.push_back(std::move(report));
	}
	return false;
}

std::vector<std::string> DatapathFuzzer::total_violations() const
{
	return partition_violations(impl_->counters());
}

} // namespace pmtuguard::test
