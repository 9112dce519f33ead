#include "support/bpf_fixture.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>

#include "pmtuguard_bpf.skel.h"

namespace pmtuguard::test {
namespace {

std::string counter_name(pg_counter id)
{
	return std::string(counter_infos()[id].name);
}

// Event sampling spends a per-CPU budget per time window; whether a case
// lands inside it depends on the cases before it, not on the datapath.
bool depends_on_timing(pg_counter id)
{
	return counter_infos()[id].name.starts_with("events_");
}

} // namespace

XdpDatapath::XdpDatapath() : loaded_({"pmtuguard_xdp"}) {}

XdpDatapath::~XdpDatapath() = default;

void XdpDatapath::attach(int ifindex, bool observe)
{
	loaded_.attach(ifindex, PG_MODE_NATIVE, observe);
}

void XdpDatapath::attach_vlan(int parent, uint16_t vlan_id, int child, bool observe)
{
	loaded_.attach_vlan(parent, vlan_id, child, PG_MODE_NATIVE, observe);
}

Ipv6Address XdpDatapath::ptb_source(int ifindex) const
{
	auto cfg = loaded_.maps().iface(static_cast<uint32_t>(ifindex), 0);
	if (!cfg || !(cfg->flags & PG_IFACE_HAS_SOURCE))
		throw std::runtime_error("interface " + std::to_string(ifindex) + " has no PTB source configured");
	Ipv6Address addr;
	std::memcpy(addr.data(), cfg->ptb_source, addr.size());
	return addr;
}

int XdpDatapath::prog_fd() const
{
	return bpf_program__fd(loaded_.skel().progs.pmtuguard_xdp);
}

XdpResult XdpDatapath::run(std::span<const uint8_t> frame, int ingress_ifindex)
{
	TestRunResult r = xdp_test_run(prog_fd(), frame, ingress_ifindex);
	return {r.retval, std::move(r.frame)};
}

CounterDeltas passed(pg_counter reason, bool ipv6)
{
	CounterDeltas d{{PG_CNT_RX_PACKETS, 1}, {reason, 1}};
	if (ipv6)
		d[PG_CNT_IPV6_PACKETS] = 1;
	return d;
}

CounterDeltas forwarded()
{
	return {{PG_CNT_RX_PACKETS, 1}, {PG_CNT_IPV6_PACKETS, 1}, {PG_CNT_FORWARDED, 1}};
}

CounterDeltas oversize(pg_counter outcome)
{
	return {{PG_CNT_RX_PACKETS, 1}, {PG_CNT_IPV6_PACKETS, 1}, {PG_CNT_OVERSIZE, 1}, {outcome, 1}};
}

CounterDeltas operator+(CounterDeltas a, const CounterDeltas &b)
{
	for (const auto &[id, n] : b)
		a[id] += n;
	return a;
}

void expect_counter_invariants(const CounterValues &v)
{
	EXPECT_EQ(v[PG_CNT_RX_PACKETS],
		  v[PG_CNT_FORWARDED] + sum_with_prefix(v, kPassedPrefix) + sum_with_prefix(v, kDroppedPrefix) +
			  v[PG_CNT_OVERSIZE])
		<< "rx_packets must equal forwarded_packets + passed_* + dropped_* + oversize_packets";
	EXPECT_EQ(v[PG_CNT_OVERSIZE], v[PG_CNT_PTB_SENT] + sum_with_prefix(v, kSuppressedPrefix))
		<< "oversize_packets must equal ptb_sent + ptb_suppressed_*";
}

void expect_case(XdpDatapath &dp, const XdpCase &c)
{
	SCOPED_TRACE("case: " + c.description);
	CounterValues before = dp.counters(c.ingress_ifindex);
	XdpResult r = dp.run(c.input, c.ingress_ifindex);
	CounterValues after = dp.counters(c.ingress_ifindex);

	EXPECT_EQ(xdp_action_name(r.action), xdp_action_name(c.action));
	std::string diff = describe_difference(c.output, r.frame);
	EXPECT_TRUE(diff.empty()) << "output frame differs: " << diff;
	expect_counter_deltas(before, after, c.counters);
}

void expect_counter_deltas(const CounterValues &before, const CounterValues &after, const CounterDeltas &expected)
{
	for (const auto &info : counter_infos()) {
		if (depends_on_timing(info.id))
			continue;
		auto it = expected.find(info.id);
		uint64_t delta = it == expected.end() ? 0 : it->second;
		EXPECT_EQ(after[info.id] - before[info.id], delta) << "counter " << counter_name(info.id);
	}
	expect_counter_invariants(after);
}

} // namespace pmtuguard::test
