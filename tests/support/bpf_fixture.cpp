#include "support/bpf_fixture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/datapath.h"
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

XdpDatapath::XdpDatapath()
{
	skel_ = pmtuguard_bpf__open();
	if (!skel_)
		throw std::runtime_error(std::string("cannot open the pmtuguard BPF object: ") + std::strerror(errno));
	try {
		// Only the program under test: the tc ones have verifier needs of their own.
		bpf_program *prog;
		bpf_object__for_each_program(prog, skel_->obj)
			bpf_program__set_autoload(prog, prog == skel_->progs.pmtuguard_xdp);
		if (int err = pmtuguard_bpf__load(skel_))
			throw std::runtime_error(std::string("cannot load the pmtuguard XDP program: ") + std::strerror(-err));
		maps_ = std::make_unique<PinnedMaps>(skel_->obj);
		maps_->set_settings(default_settings());
	} catch (...) {
		pmtuguard_bpf__destroy(skel_);
		throw;
	}
}

XdpDatapath::~XdpDatapath()
{
	maps_.reset();
	pmtuguard_bpf__destroy(skel_);
}

namespace {
AttachOptions native_attach(bool observe)
{
	AttachOptions opts;
	opts.mode = PG_MODE_NATIVE;
	opts.observe = observe;
	return opts;
}
} // namespace

void XdpDatapath::attach(int ifindex, bool observe)
{
	configure_interface(*maps_, ifindex, native_attach(observe));
}

void XdpDatapath::attach_vlan(int parent, uint16_t vlan_id, int child, bool observe)
{
	maps_->put_iface(static_cast<uint32_t>(parent), vlan_id, interface_config(child, native_attach(observe)));
}

Ipv6Address XdpDatapath::ptb_source(int ifindex) const
{
	auto cfg = maps_->iface(static_cast<uint32_t>(ifindex), 0);
	if (!cfg || !(cfg->flags & PG_IFACE_HAS_SOURCE))
		throw std::runtime_error("interface " + std::to_string(ifindex) + " has no PTB source configured");
	Ipv6Address addr;
	std::memcpy(addr.data(), cfg->ptb_source, addr.size());
	return addr;
}

int XdpDatapath::prog_fd() const
{
	return bpf_program__fd(skel_->progs.pmtuguard_xdp);
}

XdpResult XdpDatapath::run(std::span<const uint8_t> frame, int ingress_ifindex)
{
	// Room for anything the program may grow the frame to.
	Bytes out(frame.size() + 512);
	xdp_md ctx{};
	ctx.data_end = static_cast<uint32_t>(frame.size());
	ctx.ingress_ifindex = static_cast<uint32_t>(ingress_ifindex);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
		    .data_size_in = static_cast<uint32_t>(frame.size()), .data_size_out = static_cast<uint32_t>(out.size()),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.pmtuguard_xdp), &opts) != 0)
		throw std::runtime_error(std::string("BPF_PROG_TEST_RUN failed: ") + std::strerror(errno));
	out.resize(opts.data_size_out);
	return {static_cast<int>(opts.retval), std::move(out)};
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
