#include "support/hostile_frames.h"

#include <algorithm>

#include "support/router.h"

namespace pmtuguard::test {
namespace {

constexpr uint8_t kProtoAh = 51;
constexpr uint8_t kProtoEsp = 50;
constexpr uint8_t kExtensionTypes[] = {kProtoHopByHop, kProtoRouting, kProtoFragment, kProtoDstOpts, kProtoAh};

// IPv6 lengths where decisions flip: the minimum MTU, the links' MTUs, and
// jumbo frames.
constexpr size_t kInterestingIpLens[] = {1279, 1280, 1281, 1282, 1300, 1400, 1480, 1499, 1500,
					 1501, 1504, 2000, 3000, 4000, 8952, 9000, 9216};

} // namespace

FrameTargets FrameTargets::router()
{
	using R = Router;
	FrameTargets t;
	t.sender_mac = R::kHostMac;
	t.router_mac = R::kInMac;
	for (const char *a : {R::kHost, "2001:db8:1::200", "2001:db8:7::1", "2001:db8:7:1::1", "2a00:1::1",
			      R::kSubnetRouterAnycast, R::kInAddress, // anycast of ours, ours
			      "ff02::1", "ff0e::1", "::", "::1", "::ffff:192.0.2.1", "fe80::1", "fc00::1"})
		t.sources.push_back(ip6(a));
	for (const char *a : {R::kBehindNarrow, R::kBehindNarrow, R::kBehindWide, R::kBehindLockedRoute,
			      R::kUnresolvedNextHop, R::kBehindSpare, R::kUnreachable, R::kInAddress, R::kVlan100Address,
			      "ff02::1", "ff0e::1", "fe80::1", "::", "::1", "::ffff:192.0.2.1", "2a00:dead::1"})
		t.destinations.push_back(ip6(a));
	t.vlan_ids = {R::kVlanWithAddress, R::kVlanWithoutAddress, 300, 0, 4095};
	return t;
}

HostileFrames::HostileFrames(uint64_t seed, FrameTargets targets, size_t max_frame_len)
	: rng_(seed), targets_(std::move(targets)), max_frame_len_(max_frame_len)
{
}

Bytes HostileFrames::next()
{
	Bytes frame = structured();
	if (chance(0.5))
		mutate(frame);
	return frame;
}

Bytes HostileFrames::upper_layer(uint8_t &proto)
{
	switch (below(8)) {
	case 0: // ICMPv6 errors, the common ones more often
	case 1: {
		static const std::vector<uint8_t> common = {1, 2, 3, 4};
		proto = kProtoIcmpv6;
		uint8_t type = chance(0.7) ? pick(common) : static_cast<uint8_t>(below(128));
		return {type, static_cast<uint8_t>(below(8)), 0, 0, 0, 0, 0x05, 0x00};
	}
	case 2: { // informational
		static const std::vector<uint8_t> common = {128, 129, 133, 134, 135, 136, 137};
		proto = kProtoIcmpv6;
		uint8_t type = chance(0.7) ? pick(common) : static_cast<uint8_t>(128 + below(128));
		return {type, 0, 0, 0, 0x42, 0x42, 0, 1};
	}
	case 3:
		proto = kProtoUdp;
		return {0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0};
	case 4: { // TCP SYN with options in any order, some malformed
		proto = kProtoTcp;
		Bytes options;
		for (size_t n = below(6); n > 0; n--) {
			switch (below(6)) {
			case 0: options.insert(options.end(), {2, 4, static_cast<uint8_t>(below(256)), 0xb4}); break;
			case 1: options.push_back(1); break;
			case 2: options.push_back(0); break;
			case 3: options.insert(options.end(), {3, 3, 7}); break;
			case 4: options.insert(options.end(), {8, 10, 1, 2, 3, 4, 5, 6, 7, 8}); break;
			default: options.insert(options.end(), {static_cast<uint8_t>(below(256)), static_cast<uint8_t>(below(4))});
			}
		}
		options.resize(std::min<size_t>((options.size() + 3) / 4 * 4, 40), 1);
		uint8_t doff = chance(0.9) ? static_cast<uint8_t>(5 + options.size() / 4) : static_cast<uint8_t>(below(16));
		Bytes h = {0x30, 0x39, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, static_cast<uint8_t>(doff << 4),
			   static_cast<uint8_t>(chance(0.5) ? 0x02 : 0x12), 0xff, 0xff, 0, 0, 0, 0};
		h.insert(h.end(), options.begin(), options.end());
		return h;
	}
	case 5:
		proto = kProtoNoNext;
		return {};
	case 6:
		proto = kProtoEsp;
		return {0, 0, 1, 0, 0, 0, 0, 1};
	default:
		proto = static_cast<uint8_t>(below(256));
		return {0, 0, 0, 0, 0, 0, 0, 0};
	}
}

// A chain ending in upper_layer; up to twice the datapath's bound of 8
// headers, sometimes one type over and over, lengths up to the 2048 bytes a
// length byte allows.
Bytes HostileFrames::extension_chain(uint8_t &first_next_header, uint8_t upper_layer)
{
	size_t count;
	switch (below(4)) {
	case 0: count = 0; break;
	case 1: count = 1 + below(3); break;
	case 2: count = 4 + below(5); break;
	default: count = 9 + below(8); break;
	}
	bool repeat = chance(0.3);
	std::vector<uint8_t> types;
	for (size_t i = 0; i < count; i++)
		types.push_back(repeat && i > 0 ? types[0] : kExtensionTypes[below(std::size(kExtensionTypes))]);

	Bytes chain;
	for (size_t i = 0; i < count; i++) {
		uint8_t next = i + 1 < count ? types[i + 1] : upper_layer;
		uint8_t len_byte = chance(0.9) ? static_cast<uint8_t>(below(3)) : static_cast<uint8_t>(below(256));
		size_t start = chain.size();
		switch (types[i]) {
		case kProtoFragment: {
			// First fragments (offset 0) or later ones, with or without M.
			uint16_t offset = chance(0.5) ? 0 : static_cast<uint16_t>(1 + below(0x1fff));
			uint16_t word = static_cast<uint16_t>(offset << 3 | (chance(0.7) ? 1 : 0));
			chain.insert(chain.end(), {next, 0, static_cast<uint8_t>(word >> 8), static_cast<uint8_t>(word), 0, 0,
						   0x12, 0x34});
			break;
		}
		case kProtoAh:
			chain.resize(start + (len_byte + 2u) * 4u, 0);
			break;
		default:
			chain.resize(start + (len_byte + 1u) * 8u, 0);
			if (types[i] != kProtoRouting) { // PadN over the options
				chain[start + 2] = 1;
				chain[start + 3] = static_cast<uint8_t>(chain.size() - start - 4);
			}
			break;
		}
		chain[start] = next;
		if (types[i] != kProtoFragment)
			chain[start + 1] = len_byte;
	}
	first_next_header = count ? types[0] : upper_layer;
	return chain;
}

size_t HostileFrames::pick_ip_len(size_t headers_len)
{
	size_t len = chance(0.1) ? headers_len + below(200) : kInterestingIpLens[below(std::size(kInterestingIpLens))];
	return std::max(len, headers_len);
}

Bytes HostileFrames::structured()
{
	Packet p;
	if (chance(0.05)) { // not IPv6
		static const std::vector<uint16_t> others = {kEthIpv4, kEthArp, 0x88cc, 0x0000, 0xffff};
		p.eth(targets_.sender_mac, targets_.router_mac).ethertype_payload(pick(others), Bytes(46 + below(1500), 0x45));
		return p.build();
	}
	p.eth(targets_.sender_mac, targets_.router_mac);
	size_t tags = chance(0.6) ? 0 : chance(0.6) ? 1 : chance(0.8) ? 2 : 3;
	for (size_t i = 0; i < tags; i++) // QinQ: an 802.1ad outer tag over an 802.1Q one
		p.vlan(pick(targets_.vlan_ids), tags > 1 && i == 0 ? kEthQinQ : kEthVlan);

	static const std::vector<uint8_t> hop_limits = {0, 1, 2, 64, 255};
	p.ipv6(pick(targets_.sources), pick(targets_.destinations)).hop_limit(pick(hop_limits));

	uint8_t proto = 0, first = 0;
	Bytes upper = upper_layer(proto);
	Bytes chain = extension_chain(first, proto);
	chain.insert(chain.end(), upper.begin(), upper.end());

	size_t l2_len = kEthHeaderLen + tags * kVlanTagLen;
	size_t ip_len = std::min(pick_ip_len(kIpv6HeaderLen + chain.size()), max_frame_len_ - l2_len);
	if (kIpv6HeaderLen + chain.size() > ip_len)
		chain.resize(ip_len - kIpv6HeaderLen); // the chain does not fit the largest frame: cut it
	p.payload(chain).fill_to_ip_len(ip_len);
	Bytes frame = p.build();
	frame[l2_len + 6] = first; // the builder announces its opaque payload as No Next Header
	return frame;
}

void HostileFrames::mutate(Bytes &frame)
{
	size_t ip = kEthHeaderLen; // where IPv6 would start if untagged; good enough to aim at
	switch (below(5)) {
	case 0: { // a payload length that disagrees with the frame
		if (frame.size() < ip + 6)
			break;
		uint16_t true_len = static_cast<uint16_t>((frame[ip + 4] << 8) | frame[ip + 5]);
		static const std::vector<int> deltas = {-1, 1, -8, 8, -1000, 1000};
		uint16_t v = chance(0.2)   ? 0
			     : chance(0.5) ? static_cast<uint16_t>(true_len + pick(deltas))
					   : static_cast<uint16_t>(below(65536));
		frame[ip + 4] = static_cast<uint8_t>(v >> 8);
		frame[ip + 5] = static_cast<uint8_t>(v);
		break;
	}
	case 1: // truncated anywhere
		frame.resize(kMinFrameLen + below(frame.size() - kMinFrameLen + 1));
		break;
	case 2: // trailing bytes after the packet
		frame.resize(std::min(frame.size() + 1 + below(64), max_frame_len_), 0xee);
		break;
	case 3: // bits flipped in the headers
		for (size_t n = 1 + below(4); n > 0; n--)
			frame[below(std::min<size_t>(frame.size(), 160))] ^= static_cast<uint8_t>(1u << below(8));
		break;
	default: // bytes replaced anywhere
		for (size_t n = 1 + below(8); n > 0; n--)
			frame[below(frame.size())] = static_cast<uint8_t>(below(256));
		break;
	}
}

} // namespace pmtuguard::test
