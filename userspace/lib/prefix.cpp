#include "lib/prefix.h"

#include <arpa/inet.h>
#include <charconv>

#include "lib/error.h"

namespace pmtuguard {

Ipv6Address parse_ipv6_address(std::string_view text)
{
	Ipv6Address addr{};
	std::string s(text);
	// inet_pton would stop at a NUL (a config string may hold one) and
	// accept what comes before it.
	if (s.find('\0') != std::string::npos || inet_pton(AF_INET6, s.c_str(), addr.data()) != 1)
		throw Error("invalid IPv6 address '" + s + "'");
	return addr;
}

std::string format_ipv6_address(const Ipv6Address &addr)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
	return buf;
}

unsigned long parse_unsigned(std::string_view text, unsigned long min, unsigned long max, std::string_view what)
{
	unsigned long value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
		throw Error("invalid " + std::string(what) + " '" + std::string(text) + "': expected " +
			    std::to_string(min) + ".." + std::to_string(max));
	return value;
}

Ipv6Prefix Ipv6Prefix::parse(std::string_view text)
{
	Ipv6Prefix p;
	auto slash = text.find('/');
	std::string_view addr_text = text.substr(0, slash);
	try {
		p.addr = parse_ipv6_address(addr_text);
		if (slash != std::string_view::npos)
			p.len = parse_unsigned(text.substr(slash + 1), 0, 128, "prefix length");
	} catch (const Error &) {
		throw Error("invalid IPv6 prefix '" + std::string(text) + "'");
	}
	for (unsigned bit = p.len; bit < 128; bit++) {
		if (p.addr[bit / 8] & (0x80 >> (bit % 8)))
			throw Error("invalid IPv6 prefix '" + std::string(text) + "': host bits set past /" +
				    std::to_string(p.len));
	}
	return p;
}

std::string Ipv6Prefix::str() const
{
	return format_ipv6_address(addr) + "/" + std::to_string(len);
}

} // namespace pmtuguard
