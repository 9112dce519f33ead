#pragma once
// IPv6 addresses and prefixes as the operator writes them.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pmtuguard {

using Ipv6Address = std::array<uint8_t, 16>;

struct Ipv6Prefix {
	Ipv6Address addr{};
	unsigned len = 128;

	// "2001:db8::/48" or a bare address (/128). Throws Error on anything
	// else, including host bits set past the prefix length.
	static Ipv6Prefix parse(std::string_view text);
	std::string str() const;
	bool operator==(const Ipv6Prefix &) const = default;
};

Ipv6Address parse_ipv6_address(std::string_view text);
std::string format_ipv6_address(const Ipv6Address &addr);

// Whole numbers with range checks and a message naming the value.
unsigned long parse_unsigned(std::string_view text, unsigned long min, unsigned long max, std::string_view what);

} // namespace pmtuguard
