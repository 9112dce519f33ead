#include "support/datapath_invariants.h"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pmtuguard::test {
namespace {

constexpr size_t kQuoteLen = PG_PTB_QUOTE_LEN;

bool counter_named(pg_counter id, std::string_view prefix)
{
	return counter_infos()[id].name.starts_with(prefix);
}

bool is_multicast(const Ipv6Address &a)
{
	return a[0] == 0xff;
}

bool is_unspecified_or_loopback(const Ipv6Address &a)
{
	return std::all_of(a.begin(), a.begin() + 15, [](uint8_t b) { return b == 0; }) && a[15] <= 1;
}

// What the counters say happened to the frame, as a hook-neutral verdict.
enum class Verdict { Pass, Drop, SendBack, Redirect, PassOrDrop, Unknown };

const char *verdict_name(Verdict v)
{
	switch (v) {
	case Verdict::Pass: return "pass";
	case Verdict::Drop: return "drop";
	case Verdict::SendBack: return "send back";
	case Verdict::Redirect: return "redirect";
	case Verdict::PassOrDrop: return "pass or drop";
	default: return "unknown";
	}
}

Verdict verdict_of_action(Hook hook, int action, bool ptb_sent)
{
	if (hook == Hook::Xdp) {
		switch (action) {
		case XDP_PASS: return Verdict::Pass;
		case XDP_DROP: return Verdict::Drop;
		case XDP_TX: return Verdict::SendBack;
		case XDP_REDIRECT: return Verdict::Redirect;
		default: return Verdict::Unknown;
		}
	}
	switch (action) {
	case TC_ACT_OK: return Verdict::Pass;
	case TC_ACT_SHOT: return Verdict::Drop;
	// tc sends a PTB with bpf_redirect too; only the counters tell them apart.
	case TC_ACT_REDIRECT: return ptb_sent ? Verdict::SendBack : Verdict::Redirect;
	default: return Verdict::Unknown;
	}
}

Verdict verdict_of_counters(const CounterValues &d)
{
	if (d[PG_CNT_PTB_SENT])
		return Verdict::SendBack;
	if (d[PG_CNT_FORWARDED])
		return Verdict::Redirect;
	if (d[PG_CNT_PTB_SUPP_OBSERVE])
		return Verdict::Pass;
	// Passed when the kernel routes the packet, dropped when a source rule did.
	if (d[PG_CNT_PTB_SUPP_NO_ADDRESS])
		return Verdict::PassOrDrop;
	if (d[PG_CNT_OVERSIZE] || sum_with_prefix(d, kDroppedPrefix))
		return Verdict::Drop;
	if (sum_with_prefix(d, kPassedPrefix))
		return Verdict::Pass;
	return Verdict::Unknown;
}

std::string hex_address(const Ipv6Address &a)
{
	return format_ipv6_address(a);
}

void check_ptb(const Observed &run, const Dissected &in, const std::vector<Ipv6Address> &router_addresses,
	       std::vector<std::string> &v)
{
	auto fail = [&](const std::string &what) { v.push_back("PTB: " + what); };
	Dissected out;
	try {
		out = dissect(run.output);
	} catch (const std::exception &e) {
		fail(std::string("does not parse: ") + e.what());
		return;
	}
	if (out.dst != in.src || out.src != in.dst)
		fail("MACs are not the invoking frame's, swapped");
	if (out.l2_len != in.l2_len ||
	    !std::equal(run.output.begin() + 12, run.output.begin() + static_cast<std::ptrdiff_t>(out.l2_len),
			run.input.begin() + 12))
		fail("VLAN tags differ from the invoking frame's");
	if (!out.ipv6 || out.ipv6->version != 6) {
		fail("not IPv6");
		return;
	}
	if (!out.icmpv6 || out.icmpv6->type != kIcmpv6PacketTooBig || out.icmpv6->code != 0) {
		fail("not ICMPv6 type 2 code 0 right after the IPv6 header");
		return;
	}
	size_t ip_len = kIpv6HeaderLen + out.ipv6->payload_len;
	if (ip_len > PG_IPV6_MIN_MTU)
		fail(std::to_string(ip_len) + " bytes of IPv6, more than 1280");
	if (out.l2_len + ip_len != run.output.size())
		fail("frame of " + std::to_string(run.output.size()) + " bytes, IPv6 says " +
		     std::to_string(out.l2_len + ip_len));
	else if (!icmpv6_checksum_ok(run.output, out))
		fail("bad ICMPv6 checksum");

	const Ipv6Address &invoking_src = in.ipv6->src;
	if (out.ipv6->dst != invoking_src)
		fail("sent to " + hex_address(out.ipv6->dst) + ", not to the invoking source " + hex_address(invoking_src));
	if (is_multicast(out.ipv6->dst) || is_unspecified_or_loopback(out.ipv6->dst))
		fail("sent to " + hex_address(out.ipv6->dst) + ", not a unicast address");
	if (std::find(router_addresses.begin(), router_addresses.end(), out.ipv6->src) == router_addresses.end())
		fail("from " + hex_address(out.ipv6->src) + ", not one of the router's addresses");

	size_t invoking_len = kIpv6HeaderLen + in.ipv6->payload_len;
	uint32_t mtu = out.icmpv6->word;
	if (mtu < PG_IPV6_MIN_MTU || mtu >= invoking_len)
		fail("advertises MTU " + std::to_string(mtu) + " for a packet of " + std::to_string(invoking_len));
	std::span<const uint8_t> quote = out.icmpv6->body;
	std::span<const uint8_t> invoking = run.input.subspan(in.ipv6->offset);
	if (quote.size() != kQuoteLen || invoking.size() < kQuoteLen ||
	    !std::equal(quote.begin(), quote.end(), invoking.begin()))
		fail("the quote is not the first 1232 bytes of the invoking packet");

	if (classify_upper_layer(run.input, in.ipv6->offset) == UpperLayer::IcmpError)
		fail("in reply to an ICMPv6 error");
	if (run.hook != Hook::TcEgress && in.ipv6->hop_limit <= 1)
		fail("in reply to a packet whose hop limit ran out (Time Exceeded comes first)");
}

void check_forwarded(const Observed &run, const Dissected &in, std::vector<std::string> &v)
{
	if (in.ipv6->hop_limit <= 1)
		v.push_back("forwarded with hop limit " + std::to_string(in.ipv6->hop_limit));
	if (is_multicast(in.ipv6->dst) || (in.ipv6->dst[0] == 0xfe && (in.ipv6->dst[1] & 0xc0) == 0x80))
		v.push_back("forwarded a packet for " + hex_address(in.ipv6->dst));
	if (run.delta[PG_CNT_MSS_CLAMPED])
		return; // the clamp changed the TCP header; its own tests check how
	if (run.output.size() != run.input.size()) {
		v.push_back("forwarded frame changed length");
		return;
	}
	Bytes expected(run.input.begin(), run.input.end());
	expected[in.ipv6->offset + 7]--;
	size_t from = run.hook == Hook::Xdp ? 12 : 0; // XDP rewrites the MACs, tc leaves that to the neighbour code
	if (!std::equal(expected.begin() + static_cast<std::ptrdiff_t>(from), expected.end(),
			run.output.begin() + static_cast<std::ptrdiff_t>(from)))
		v.push_back("forwarded frame is not the invoking one with the hop limit one less: " +
			    describe_difference(expected, run.output));
}

// The frame as it came, possibly behind the metadata XDP leaves for the tc
// handoff of a rule-routed packet (BPF_PROG_TEST_RUN returns both).
bool passed_unmodified(const Observed &run)
{
	std::span<const uint8_t> frame = run.output;
	if (run.hook == Hook::Xdp && frame.size() == run.input.size() + sizeof(pg_handoff)) {
		pg_handoff h;
		std::memcpy(&h, frame.data(), sizeof(h));
		if (h.magic == PG_HANDOFF_MAGIC)
			frame = frame.subspan(sizeof(h));
	}
	return std::equal(run.input.begin(), run.input.end(), frame.begin(), frame.end());
}

} // namespace

UpperLayer classify_upper_layer(std::span<const uint8_t> frame, size_t ip_offset)
{
	if (frame.size() < ip_offset + kIpv6HeaderLen)
		return UpperLayer::Unknown;
	std::span<const uint8_t> ip = frame.subspan(ip_offset);
	size_t len = std::min(ip.size(), kIpv6HeaderLen + (static_cast<size_t>(ip[4]) << 8 | ip[5]));
	uint8_t next = ip[6];
	size_t off = kIpv6HeaderLen;
	for (;;) {
		if (next != kProtoHopByHop && next != kProtoRouting && next != kProtoFragment && next != kProtoDstOpts &&
		    next != 51 /* AH */)
			break;
		if (off + 8 > len)
			return UpperLayer::Unknown;
		size_t hdr_len;
		if (next == kProtoFragment) {
			if (((ip[off + 2] << 8 | ip[off + 3]) & 0xfff8) != 0)
				return UpperLayer::LaterFragment;
			hdr_len = 8;
		} else if (next == 51) {
			hdr_len = (ip[off + 1] + 2u) * 4u;
		} else {
			hdr_len = (ip[off + 1] + 1u) * 8u;
		}
		next = ip[off];
		off += hdr_len;
	}
	if (next != kProtoIcmpv6)
		return UpperLayer::Other;
	if (off + 1 > len)
		return UpperLayer::Unknown;
	return ip[off] < 128 ? UpperLayer::IcmpError : UpperLayer::IcmpInfo;
}

std::vector<std::string> partition_violations(const CounterValues &c)
{
	std::vector<std::string> v;
	uint64_t verdicts = c[PG_CNT_FORWARDED] + sum_with_prefix(c, kPassedPrefix) + sum_with_prefix(c, kDroppedPrefix) +
			    c[PG_CNT_OVERSIZE];
	if (c[PG_CNT_RX_PACKETS] != verdicts)
		v.push_back("rx_packets " + std::to_string(c[PG_CNT_RX_PACKETS]) +
			    " != forwarded + passed_* + dropped_* + oversize = " + std::to_string(verdicts));
	uint64_t answers = c[PG_CNT_PTB_SENT] + sum_with_prefix(c, kSuppressedPrefix);
	if (c[PG_CNT_OVERSIZE] != answers)
		v.push_back("oversize_packets " + std::to_string(c[PG_CNT_OVERSIZE]) +
			    " != ptb_sent + ptb_suppressed_* = " + std::to_string(answers));
	return v;
}

std::vector<std::string> invariant_violations(const Observed &run, const std::vector<Ipv6Address> &router_addresses)
{
	std::vector<std::string> v = partition_violations(run.delta);
	const CounterValues &d = run.delta;
	if (d[PG_CNT_RX_PACKETS] != 1)
		v.push_back("rx_packets moved by " + std::to_string(d[PG_CNT_RX_PACKETS]) + ", not 1");
	for (const auto &info : counter_infos()) {
		bool per_frame = info.id == PG_CNT_FORWARDED || info.id == PG_CNT_OVERSIZE || info.id == PG_CNT_PTB_SENT ||
				 counter_named(info.id, kPassedPrefix) || counter_named(info.id, kDroppedPrefix) ||
				 counter_named(info.id, kSuppressedPrefix);
		if (per_frame && d[info.id] > 1)
			v.push_back(std::string(info.name) + " moved by " + std::to_string(d[info.id]) + " for one frame");
	}

	Verdict counted = verdict_of_counters(d);
	Verdict acted = verdict_of_action(run.hook, run.action, d[PG_CNT_PTB_SENT] != 0);
	bool consistent = counted == acted ||
			  (counted == Verdict::PassOrDrop && (acted == Verdict::Pass || acted == Verdict::Drop));
	if (acted == Verdict::Unknown)
		v.push_back("unexpected action " + std::to_string(run.action));
	else if (!consistent)
		v.push_back(std::string("the program did \"") + verdict_name(acted) + "\" but the counters say \"" +
			    verdict_name(counted) + "\"");

	Dissected in;
	bool parsed = true;
	try {
		in = dissect(run.input);
	} catch (const std::exception &) {
		parsed = false;
	}
	bool ipv6 = parsed && in.ipv6 && in.ipv6->version == 6;
	if (d[PG_CNT_OVERSIZE] && (!ipv6 || kIpv6HeaderLen + in.ipv6->payload_len <= PG_IPV6_MIN_MTU))
		v.push_back("counted oversize, but it is not an IPv6 packet over 1280 bytes");

	if (acted == Verdict::SendBack || d[PG_CNT_PTB_SENT]) {
		if (ipv6)
			check_ptb(run, in, router_addresses, v);
		else
			v.push_back("PTB sent for a frame that is not IPv6");
	}
	if (acted == Verdict::Redirect && ipv6)
		check_forwarded(run, in, v);
	if (acted == Verdict::Pass && !d[PG_CNT_MSS_CLAMPED] && !passed_unmodified(run))
		v.push_back("passed to the kernel modified: " + describe_difference(run.input, run.output));
	return v;
}

} // namespace pmtuguard::test
