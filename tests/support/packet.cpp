#include "support/packet.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "support/checksum.h"

namespace pmtuguard::test {
namespace {

void put16(Bytes &b, size_t off, uint16_t v)
{
	b[off] = v >> 8;
	b[off + 1] = v & 0xff;
}

void put32(Bytes &b, size_t off, uint32_t v)
{
	put16(b, off, v >> 16);
	put16(b, off + 2, v & 0xffff);
}

uint16_t get16(std::span<const uint8_t> b, size_t off)
{
	return static_cast<uint16_t>(b[off] << 8 | b[off + 1]);
}

uint32_t get32(std::span<const uint8_t> b, size_t off)
{
	return static_cast<uint32_t>(get16(b, off)) << 16 | get16(b, off + 2);
}

uint8_t pattern_byte(size_t frame_offset)
{
	return static_cast<uint8_t>(frame_offset * 7 + 1);
}

// Extension header with PadN filling everything after next header and length.
Bytes options_header(size_t len)
{
	if (len < 8 || len % 8 || len > 2048)
		throw std::invalid_argument("extension header length must be a multiple of 8 in 8..2048");
	Bytes h(len, 0);
	h[1] = static_cast<uint8_t>(len / 8 - 1);
	h[2] = 1; // PadN
	h[3] = static_cast<uint8_t>(len - 4);
	return h;
}

// Offset of the checksum inside an upper-layer header.
size_t checksum_offset(uint8_t proto)
{
	switch (proto) {
	case kProtoTcp: return 16;
	case kProtoUdp: return 6;
	default: return 2; // ICMPv6
	}
}

uint16_t upper_layer_checksum(const Ipv6Address &src, const Ipv6Address &dst, uint8_t proto,
			      std::span<const uint8_t> upper)
{
	Bytes buf(40);
	std::copy(src.begin(), src.end(), buf.begin());
	std::copy(dst.begin(), dst.end(), buf.begin() + 16);
	put32(buf, 32, static_cast<uint32_t>(upper.size()));
	buf[39] = proto;
	buf.insert(buf.end(), upper.begin(), upper.end());
	return internet_checksum(buf);
}

// The receiver's walk (RFC 9293 §3.1, as Linux's tcp_parse_options): it stops
// at End of Option List and at the first option whose length is below 2 or
// runs past the header.
std::optional<uint16_t> parse_mss_option(std::span<const uint8_t> options)
{
	size_t at = 0;
	while (at < options.size()) {
		uint8_t kind = options[at];
		if (kind == kTcpOptEol)
			return std::nullopt;
		if (kind == kTcpOptNop) {
			at++;
			continue;
		}
		if (at + 1 >= options.size())
			return std::nullopt;
		size_t len = options[at + 1];
		if (len < 2 || at + len > options.size())
			return std::nullopt;
		if (kind == kTcpOptMss && len == 4)
			return get16(options, at + 2);
		at += len;
	}
	return std::nullopt;
}

} // namespace

Mac parse_mac(std::string_view text)
{
	Mac mac{};
	unsigned v[6];
	std::string s(text);
	char tail;
	if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		throw std::invalid_argument("invalid MAC address '" + s + "'");
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			throw std::invalid_argument("invalid MAC address '" + s + "'");
		mac[i] = static_cast<uint8_t>(v[i]);
	}
	return mac;
}

std::string format_mac(const Mac &mac)
{
	char buf[18];
	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

Ipv6Address ip6(std::string_view text)
{
	return parse_ipv6_address(text);
}

Packet &Packet::add(Kind kind, uint16_t type, Bytes bytes)
{
	Layer l;
	l.kind = kind;
	l.type = type;
	l.bytes = std::move(bytes);
	layers_.push_back(std::move(l));
	return *this;
}

Packet::Layer &Packet::last(Kind kind, const char *what)
{
	for (auto it = layers_.rbegin(); it != layers_.rend(); ++it)
		if (it->kind == kind)
			return *it;
	throw std::logic_error(std::string(what) + " needs an earlier layer it applies to");
}

Packet &Packet::eth(const Mac &src, const Mac &dst)
{
	Bytes h(kEthHeaderLen, 0);
	std::copy(dst.begin(), dst.end(), h.begin());
	std::copy(src.begin(), src.end(), h.begin() + 6);
	return add(Kind::Eth, 0, std::move(h));
}

Packet &Packet::vlan(uint16_t id, uint16_t tpid)
{
	Bytes h(kVlanTagLen, 0);
	put16(h, 0, id & 0x0fff);
	return add(Kind::Vlan, tpid, std::move(h));
}

Packet &Packet::ethertype_payload(uint16_t ethertype, Bytes bytes)
{
	return add(Kind::EthertypePayload, ethertype, std::move(bytes));
}

Packet &Packet::ipv6(std::string_view src, std::string_view dst)
{
	return ipv6(ip6(src), ip6(dst));
}

Packet &Packet::ipv6(const Ipv6Address &src, const Ipv6Address &dst)
{
	Bytes h(kIpv6HeaderLen, 0);
	h[0] = 0x60;
	h[7] = 64;
	std::copy(src.begin(), src.end(), h.begin() + 8);
	std::copy(dst.begin(), dst.end(), h.begin() + 24);
	return add(Kind::Ipv6, kEthIpv6, std::move(h));
}

Packet &Packet::hop_limit(uint8_t hops)
{
	last(Kind::Ipv6, "hop_limit").bytes[7] = hops;
	return *this;
}

Packet &Packet::traffic_class(uint8_t tclass)
{
	Bytes &h = last(Kind::Ipv6, "traffic_class").bytes;
	h[0] = static_cast<uint8_t>(0x60 | tclass >> 4);
	h[1] = static_cast<uint8_t>((h[1] & 0x0f) | (tclass & 0x0f) << 4);
	return *this;
}

Packet &Packet::flow_label(uint32_t label)
{
	Bytes &h = last(Kind::Ipv6, "flow_label").bytes;
	h[1] = static_cast<uint8_t>((h[1] & 0xf0) | ((label >> 16) & 0x0f));
	put16(h, 2, label & 0xffff);
	return *this;
}

Packet &Packet::payload_len(uint16_t len)
{
	last(Kind::Ipv6, "payload_len").payload_len = len;
	return *this;
}

Packet &Packet::ext_hopbyhop(size_t len)
{
	return add(Kind::Ext, kProtoHopByHop, options_header(len));
}

Packet &Packet::ext_dstopts(size_t len)
{
	return add(Kind::Ext, kProtoDstOpts, options_header(len));
}

Packet &Packet::ext_routing(size_t len)
{
	if (len < 24 || (len - 8) % 16)
		throw std::invalid_argument("routing header length must be 8 + 16 * segments");
	const Bytes &ip = last(Kind::Ipv6, "ext_routing").bytes;
	Bytes h(len, 0);
	h[1] = static_cast<uint8_t>(len / 8 - 1);
	h[2] = 4; // Segment Routing
	h[3] = 0; // segments left
	h[4] = static_cast<uint8_t>((len - 8) / 16 - 1); // last entry
	for (size_t seg = 8; seg < len; seg += 16)
		std::copy(ip.begin() + 24, ip.begin() + 40, h.begin() + seg);
	return add(Kind::Ext, kProtoRouting, std::move(h));
}

Packet &Packet::ext_fragment(uint16_t offset_units, bool more, uint32_t id)
{
	Bytes h(8, 0);
	put16(h, 2, static_cast<uint16_t>(offset_units << 3 | (more ? 1 : 0)));
	put32(h, 4, id);
	return add(Kind::Ext, kProtoFragment, std::move(h));
}

Packet &Packet::icmpv6(uint8_t type, uint8_t code, uint32_t word)
{
	Bytes h(kIcmpv6HeaderLen, 0);
	h[0] = type;
	h[1] = code;
	put32(h, 4, word);
	return add(Kind::L4, kProtoIcmpv6, std::move(h));
}

Packet &Packet::icmpv6_echo(uint16_t id, uint16_t seq)
{
	return icmpv6(kIcmpv6EchoRequest, 0, static_cast<uint32_t>(id) << 16 | seq);
}

Packet &Packet::udp(uint16_t sport, uint16_t dport)
{
	Bytes h(8, 0);
	put16(h, 0, sport);
	put16(h, 2, dport);
	return add(Kind::L4, kProtoUdp, std::move(h));
}

Packet &Packet::tcp(uint16_t sport, uint16_t dport, uint8_t flags)
{
	Bytes h(20, 0);
	put16(h, 0, sport);
	put16(h, 2, dport);
	put32(h, 4, 1);
	h[12] = 5 << 4;
	h[13] = flags;
	put16(h, 14, 65535);
	return add(Kind::L4, kProtoTcp, std::move(h));
}

Packet &Packet::add_tcp_option(std::span<const uint8_t> option)
{
	if (layers_.empty() || layers_.back().kind != Kind::L4 || layers_.back().type != kProtoTcp)
		throw std::logic_error("TCP options must directly follow tcp() or another option");
	Bytes &h = layers_.back().bytes;
	h.insert(h.end(), option.begin(), option.end());
	return *this;
}

Packet &Packet::tcp_mss(uint16_t mss)
{
	const uint8_t option[] = {kTcpOptMss, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss & 0xff)};
	return add_tcp_option(option);
}

Packet &Packet::tcp_nop()
{
	const uint8_t option[] = {kTcpOptNop};
	return add_tcp_option(option);
}

Packet &Packet::tcp_eol()
{
	const uint8_t option[] = {kTcpOptEol};
	return add_tcp_option(option);
}

Packet &Packet::tcp_window_scale(uint8_t shift)
{
	const uint8_t option[] = {kTcpOptWindowScale, 3, shift};
	return add_tcp_option(option);
}

Packet &Packet::tcp_sack_permitted()
{
	const uint8_t option[] = {kTcpOptSackPermitted, 2};
	return add_tcp_option(option);
}

Packet &Packet::tcp_timestamps(uint32_t value, uint32_t echo_reply)
{
	Bytes option(10);
	option[0] = kTcpOptTimestamps;
	option[1] = 10;
	put32(option, 2, value);
	put32(option, 6, echo_reply);
	return add_tcp_option(option);
}

Packet &Packet::tcp_option_bytes(std::span<const uint8_t> raw)
{
	return add_tcp_option(raw);
}

Packet &Packet::payload(size_t n)
{
	add(Kind::Payload, 0, Bytes(n));
	layers_.back().pattern = true; // the bytes depend on where the payload lands in the frame
	return *this;
}

Packet &Packet::payload(std::span<const uint8_t> bytes)
{
	return add(Kind::Payload, 0, Bytes(bytes.begin(), bytes.end()));
}

Packet &Packet::fill_to_ip_len(size_t len)
{
	last(Kind::Ipv6, "fill_to_ip_len");
	add(Kind::Fill, 0, {});
	layers_.back().fill_to = len;
	return *this;
}

Bytes Packet::build() const
{
	// What the header before layer i announces as its successor.
	auto announced = [&](size_t i, bool ip_context) -> uint16_t {
		if (i + 1 >= layers_.size())
			return ip_context ? kProtoNoNext : 0;
		const Layer &next = layers_[i + 1];
		if (ip_context)
			return next.kind == Kind::Ext || next.kind == Kind::L4 ? next.type : kProtoNoNext;
		return next.type;
	};

	Bytes out;
	std::optional<size_t> ip_off, l4_off;
	std::optional<uint16_t> payload_len_override;
	uint8_t l4_proto = 0;
	for (size_t i = 0; i < layers_.size(); i++) {
		const Layer &l = layers_[i];
		size_t off = out.size();
		switch (l.kind) {
		case Kind::Eth:
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			put16(out, off + 12, announced(i, false));
			break;
		case Kind::Vlan: // TCI, then the EtherType of what it carries
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			put16(out, off + 2, announced(i, false));
			break;
		case Kind::EthertypePayload:
		case Kind::L4:
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			if (l.kind == Kind::L4 && l.type == kProtoTcp) {
				while ((out.size() - off) % 4)
					out.push_back(kTcpOptEol);
				if (out.size() - off > 60)
					throw std::logic_error("TCP options longer than 40 bytes");
				out[off + 12] = static_cast<uint8_t>((out.size() - off) / 4 << 4);
			}
			if (l.kind == Kind::L4 && !l4_off) {
				l4_off = off;
				l4_proto = static_cast<uint8_t>(l.type);
			}
			break;
		case Kind::Ipv6:
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			out[off + 6] = static_cast<uint8_t>(announced(i, true));
			ip_off = off;
			payload_len_override = l.payload_len;
			break;
		case Kind::Ext:
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			out[off] = static_cast<uint8_t>(announced(i, true));
			break;
		case Kind::Payload:
			out.insert(out.end(), l.bytes.begin(), l.bytes.end());
			if (l.pattern)
				for (size_t p = off; p < out.size(); p++)
					out[p] = pattern_byte(p);
			break;
		case Kind::Fill:
			if (out.size() - *ip_off > l.fill_to)
				throw std::logic_error("fill_to_ip_len(" + std::to_string(l.fill_to) +
						       "): the headers alone are longer");
			while (out.size() - *ip_off < l.fill_to)
				out.push_back(pattern_byte(out.size()));
			break;
		}
	}
	if (ip_off) {
		size_t computed = out.size() - *ip_off - kIpv6HeaderLen;
		put16(out, *ip_off + 4, payload_len_override.value_or(static_cast<uint16_t>(computed)));
		if (l4_off) {
			Ipv6Address src, dst;
			std::copy(out.begin() + *ip_off + 8, out.begin() + *ip_off + 24, src.begin());
			std::copy(out.begin() + *ip_off + 24, out.begin() + *ip_off + 40, dst.begin());
			std::span<const uint8_t> upper(out.data() + *l4_off, out.size() - *l4_off);
			if (l4_proto == kProtoUdp)
				put16(out, *l4_off + 4, static_cast<uint16_t>(upper.size()));
			put16(out, *l4_off + checksum_offset(l4_proto), upper_layer_checksum(src, dst, l4_proto, upper));
		}
	}
	return out;
}

Bytes expected_ptb(std::span<const uint8_t> invoking, const Ipv6Address &source, uint32_t mtu)
{
	Dissected in = dissect(invoking);
	if (!in.ipv6)
		throw std::invalid_argument("expected_ptb: the invoking frame is not IPv6");
	constexpr size_t quote_len = 1280 - kIpv6HeaderLen - kIcmpv6HeaderLen;
	std::span<const uint8_t> quote = invoking.subspan(in.ipv6->offset, quote_len);

	// The invoking frame's L2 header, tags included, back to where it came from.
	Bytes out(invoking.begin(), invoking.begin() + in.l2_len);
	std::copy(in.src.begin(), in.src.end(), out.begin());
	std::copy(in.dst.begin(), in.dst.end(), out.begin() + 6);
	Bytes ip = Packet()
			   .ipv6(source, in.ipv6->src)
			   .hop_limit(255)
			   .icmpv6(kIcmpv6PacketTooBig, 0, mtu)
			   .payload(quote)
			   .build();
	out.insert(out.end(), ip.begin(), ip.end());
	return out;
}

Bytes expected_forwarded(std::span<const uint8_t> frame, const Mac &src, const Mac &dst)
{
	Dissected in = dissect(frame);
	if (!in.ipv6)
		throw std::invalid_argument("expected_forwarded: the frame is not IPv6");
	Bytes out(frame.begin(), frame.end());
	std::copy(dst.begin(), dst.end(), out.begin());
	std::copy(src.begin(), src.end(), out.begin() + 6);
	out[in.ipv6->offset + 7]--;
	return out;
}

Dissected dissect(std::span<const uint8_t> frame)
{
	auto need = [&](size_t len, const char *what) {
		if (frame.size() < len)
			throw std::runtime_error(std::string("frame of ") + std::to_string(frame.size()) +
						 " bytes too short for its " + what);
	};
	Dissected d;
	need(kEthHeaderLen, "Ethernet header");
	std::copy(frame.begin(), frame.begin() + 6, d.dst.begin());
	std::copy(frame.begin() + 6, frame.begin() + 12, d.src.begin());
	d.ethertype = get16(frame, 12);
	d.l2_len = kEthHeaderLen;
	while (d.ethertype == kEthVlan || d.ethertype == kEthQinQ) {
		need(d.l2_len + kVlanTagLen, "VLAN tag");
		d.vlan_ids.push_back(get16(frame, d.l2_len) & 0x0fff);
		d.ethertype = get16(frame, d.l2_len + 2);
		d.l2_len += kVlanTagLen;
	}
	if (d.ethertype != kEthIpv6)
		return d;

	size_t off = d.l2_len;
	need(off + kIpv6HeaderLen, "IPv6 header");
	Ipv6View ip;
	ip.offset = off;
	ip.version = frame[off] >> 4;
	ip.traffic_class = static_cast<uint8_t>((frame[off] & 0x0f) << 4 | frame[off + 1] >> 4);
	ip.flow_label = get32(frame, off) & 0xfffff;
	ip.payload_len = get16(frame, off + 4);
	ip.next_header = frame[off + 6];
	ip.hop_limit = frame[off + 7];
	std::copy(frame.begin() + off + 8, frame.begin() + off + 24, ip.src.begin());
	std::copy(frame.begin() + off + 24, frame.begin() + off + 40, ip.dst.begin());
	d.ipv6 = ip;

	if (ip.next_header == kProtoIcmpv6) {
		size_t icmp_off = off + kIpv6HeaderLen;
		need(icmp_off + kIcmpv6HeaderLen, "ICMPv6 header");
		Icmpv6View icmp;
		icmp.offset = icmp_off;
		icmp.type = frame[icmp_off];
		icmp.code = frame[icmp_off + 1];
		icmp.checksum = get16(frame, icmp_off + 2);
		icmp.word = get32(frame, icmp_off + 4);
		icmp.body = frame.subspan(icmp_off + kIcmpv6HeaderLen);
		d.icmpv6 = icmp;
	}
	if (ip.next_header == kProtoTcp) {
		size_t tcp_off = off + kIpv6HeaderLen;
		need(tcp_off + 20, "TCP header");
		TcpView tcp;
		tcp.offset = tcp_off;
		tcp.src_port = get16(frame, tcp_off);
		tcp.dst_port = get16(frame, tcp_off + 2);
		tcp.flags = frame[tcp_off + 13];
		tcp.header_len = static_cast<size_t>(frame[tcp_off + 12] >> 4) * 4;
		if (tcp.header_len >= 20) {
			need(tcp_off + tcp.header_len, "TCP options");
			tcp.options = frame.subspan(tcp_off + 20, tcp.header_len - 20);
			tcp.mss = parse_mss_option(tcp.options);
		}
		d.tcp = tcp;
	}
	return d;
}

namespace {

// The upper layer at offset runs to the end of the IPv6 payload (it follows
// the IPv6 header directly).
bool upper_layer_checksum_ok(std::span<const uint8_t> frame, const Ipv6View &ip, size_t offset, uint8_t proto)
{
	size_t len = ip.payload_len;
	if (offset + len > frame.size())
		return false;
	// Summing the stored checksum too gives zero when it is right.
	return upper_layer_checksum(ip.src, ip.dst, proto, frame.subspan(offset, len)) == 0;
}

} // namespace

bool icmpv6_checksum_ok(std::span<const uint8_t> frame, const Dissected &d)
{
	return d.ipv6 && d.icmpv6 && upper_layer_checksum_ok(frame, *d.ipv6, d.icmpv6->offset, kProtoIcmpv6);
}

bool tcp_checksum_ok(std::span<const uint8_t> frame, const Dissected &d)
{
	return d.ipv6 && d.tcp && upper_layer_checksum_ok(frame, *d.ipv6, d.tcp->offset, kProtoTcp);
}

std::string describe_difference(std::span<const uint8_t> expected, std::span<const uint8_t> actual)
{
	size_t common = std::min(expected.size(), actual.size());
	size_t first = 0;
	while (first < common && expected[first] == actual[first])
		first++;
	if (first == common && expected.size() == actual.size())
		return {};

	std::ostringstream out;
	out << "expected " << expected.size() << " bytes, got " << actual.size();
	if (first < common)
		out << "; first difference at offset " << first;
	else
		out << "; equal for the first " << common;
	auto row = [&](const char *label, std::span<const uint8_t> b) {
		out << "\n  " << label << " @" << (first & ~size_t{15}) << ":";
		for (size_t i = first & ~size_t{15}; i < std::min(b.size(), (first & ~size_t{15}) + 32); i++) {
			char hex[4];
			std::snprintf(hex, sizeof(hex), " %02x", b[i]);
			out << hex;
		}
	};
	row("expected", expected);
	row("actual  ", actual);
	return out.str();
}

} // namespace pmtuguard::test
