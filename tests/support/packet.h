#pragma once
// Frames for the tests, built from named layers, and a small dissector to
// assert on what the datapath returns.
//
//   Bytes frame = Packet()
//       .eth(kHostMac, kRouterMac)
//       .vlan(100)
//       .ipv6("2001:db8:1::100", "2001:db8:20::1").hop_limit(64)
//       .ext_hopbyhop()
//       .icmpv6_echo(7, 1)
//       .fill_to_ip_len(1281)
//       .build();
//
// build() fills in what a sender computes: EtherTypes, each header's next
// header, the IPv6 payload length and the UDP/TCP/ICMPv6 checksum (with the
// RFC 1071 sum of support/checksum.h, independent of the BPF code). Layers
// follow the order they are added in; anything unusual (a wrong payload
// length, a truncated frame) is set explicitly.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/prefix.h"

namespace pmtuguard::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

Mac parse_mac(std::string_view text); // "02:00:00:00:01:01"
std::string format_mac(const Mac &mac);

inline constexpr uint16_t kEthIpv6 = 0x86dd;
inline constexpr uint16_t kEthIpv4 = 0x0800;
inline constexpr uint16_t kEthArp = 0x0806;
inline constexpr uint16_t kEthVlan = 0x8100;
inline constexpr uint16_t kEthQinQ = 0x88a8;

inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoNoNext = 59;
inline constexpr uint8_t kProtoDstOpts = 60;

inline constexpr uint8_t kIcmpv6DestUnreachable = 1;
inline constexpr uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr uint8_t kIcmpv6TimeExceeded = 3;
inline constexpr uint8_t kIcmpv6EchoRequest = 128;

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

inline constexpr uint8_t kTcpOptEol = 0;
inline constexpr uint8_t kTcpOptNop = 1;
inline constexpr uint8_t kTcpOptMss = 2;
inline constexpr uint8_t kTcpOptWindowScale = 3;
inline constexpr uint8_t kTcpOptSackPermitted = 4;
inline constexpr uint8_t kTcpOptTimestamps = 8;

inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kVlanTagLen = 4;
inline constexpr size_t kIpv6HeaderLen = 40;
inline constexpr size_t kIcmpv6HeaderLen = 8;

class Packet {
public:
	Packet &eth(const Mac &src, const Mac &dst);
	// Pushes a tag after the Ethernet header (or after the previous tag).
	Packet &vlan(uint16_t id, uint16_t tpid = kEthVlan);
	// An IPv4 or ARP payload, or any other EtherType, as opaque bytes.
	Packet &ethertype_payload(uint16_t ethertype, Bytes bytes);

	Packet &ipv6(std::string_view src, std::string_view dst);
	Packet &ipv6(const Ipv6Address &src, const Ipv6Address &dst);
	Packet &hop_limit(uint8_t hops);        // of the last IPv6 header; 64 by default
	Packet &traffic_class(uint8_t tclass);
	Packet &flow_label(uint32_t label);
	Packet &payload_len(uint16_t len);      // overrides the computed value

	// Extension headers; options are padded with PadN to a multiple of 8 bytes.
	Packet &ext_hopbyhop(size_t len = 8);
	Packet &ext_dstopts(size_t len = 8);
	// Segment Routing header with no segments left, so the destination in
	// the IPv6 header is the final one (and the one the checksum covers).
	Packet &ext_routing(size_t len = 24);
	Packet &ext_fragment(uint16_t offset_units, bool more, uint32_t id = 0x1234);

	Packet &icmpv6(uint8_t type, uint8_t code, uint32_t word = 0); // word: MTU, pointer, unused
	Packet &icmpv6_echo(uint16_t id, uint16_t seq);
	Packet &udp(uint16_t sport, uint16_t dport);
	Packet &tcp(uint16_t sport, uint16_t dport, uint8_t flags = kTcpSyn);
	// TCP options, appended to the last TCP header in the order given.
	// build() pads them with zeros (EOL) to a multiple of 4 bytes and sets
	// the data offset to match.
	Packet &tcp_mss(uint16_t mss);
	Packet &tcp_nop();
	Packet &tcp_eol();
	Packet &tcp_window_scale(uint8_t shift);
	Packet &tcp_sack_permitted();
	Packet &tcp_timestamps(uint32_t value, uint32_t echo_reply);
	Packet &tcp_option_bytes(std::span<const uint8_t> raw); // as given, malformed or not

	Packet &payload(size_t n);            // a recognisable byte pattern
	Packet &payload(std::span<const uint8_t> bytes);
	// Pads with the pattern until the last IPv6 packet is `len` bytes long.
	Packet &fill_to_ip_len(size_t len);

	Bytes build() const;

private:
	enum class Kind { Eth, Vlan, EthertypePayload, Ipv6, Ext, L4, Payload, Fill };
	struct Layer {
		Kind kind = Kind::Payload;
		uint16_t type = 0;   // EtherType or IP protocol this layer announces itself as
		Bytes bytes;         // the header (or payload) with zeroed length/checksum fields
		size_t fill_to = 0;  // Kind::Fill
		bool pattern = false; // Kind::Payload: generated bytes
		std::optional<uint16_t> payload_len;
	};
	Packet &add(Kind kind, uint16_t type, Bytes bytes);
	Layer &last(Kind kind, const char *what);
	Packet &add_tcp_option(std::span<const uint8_t> option);
	std::vector<Layer> layers_;
};

// An IPv6 address literal as bytes ("2001:db8::1"); throws on bad text.
Ipv6Address ip6(std::string_view text);

// What a router that follows RFC 4443 sends for `invoking`, a frame that
// arrived on a link where our address is `source` and that needs `mtu`: the
// frame's L2 header with the MACs swapped and its VLAN tags, a hop limit of
// 255, and the first 1232 bytes of the invoking IPv6 packet.
Bytes expected_ptb(std::span<const uint8_t> invoking, const Ipv6Address &source, uint32_t mtu);

// The same frame after one forwarding hop: new MACs, hop limit one less.
Bytes expected_forwarded(std::span<const uint8_t> frame, const Mac &src, const Mac &dst);

// -- Dissector ------------------------------------------------------------

struct Ipv6View {
	size_t offset = 0; // from the frame start
	uint8_t version = 0, traffic_class = 0, next_header = 0, hop_limit = 0;
	uint32_t flow_label = 0;
	uint16_t payload_len = 0;
	Ipv6Address src{}, dst{};
};

struct Icmpv6View {
	size_t offset = 0; // from the frame start
	uint8_t type = 0, code = 0;
	uint16_t checksum = 0;
	uint32_t word = 0; // MTU for Packet Too Big
	std::span<const uint8_t> body; // after the 8-byte header
};

struct TcpView {
	size_t offset = 0; // from the frame start
	uint16_t src_port = 0, dst_port = 0;
	uint8_t flags = 0;
	size_t header_len = 0; // data offset * 4
	std::span<const uint8_t> options;
	// The MSS option as a receiver parses the options (RFC 9293 §3.1): absent
	// when there is none, or when an option before it is malformed.
	std::optional<uint16_t> mss;
};

struct Dissected {
	Mac dst{}, src{};
	std::vector<uint16_t> vlan_ids;
	uint16_t ethertype = 0; // after the tags
	size_t l2_len = 0;
	std::optional<Ipv6View> ipv6;
	std::optional<Icmpv6View> icmpv6; // only when ICMPv6 directly follows the IPv6 header
	std::optional<TcpView> tcp;       // only when TCP directly follows the IPv6 header
};

// Throws std::runtime_error when the frame is shorter than its headers.
Dissected dissect(std::span<const uint8_t> frame);

// True when the ICMPv6 checksum verifies over the pseudo-header and
// payload_len bytes (RFC 4443 §2.3).
bool icmpv6_checksum_ok(std::span<const uint8_t> frame, const Dissected &d);
// The same for TCP (RFC 9293 §3.1).
bool tcp_checksum_ok(std::span<const uint8_t> frame, const Dissected &d);

// A readable account of the first difference, for assertion messages; empty
// when equal.
std::string describe_difference(std::span<const uint8_t> expected, std::span<const uint8_t> actual);

} // namespace pmtuguard::test
