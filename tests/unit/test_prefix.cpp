// Operator input: IPv6 prefixes and bounded whole numbers (userspace/lib/prefix.h).
#include <gtest/gtest.h>

#include <string>

#include "lib/error.h"
#include "lib/prefix.h"

namespace pmtuguard {
namespace {

// The message of the Error that parsing `text` throws, or "" when it parses.
std::string prefix_error(const std::string &text)
{
	try {
		Ipv6Prefix::parse(text);
	} catch (const Error &e) {
		return e.what();
	}
	return "";
}

TEST(Ipv6PrefixParse, AcceptsPrefixesAndNormalisesTheirText)
{
	Ipv6Prefix p = Ipv6Prefix::parse("2001:DB8:0:0::/32");
	EXPECT_EQ(p.len, 32u);
	EXPECT_EQ(p.str(), "2001:db8::/32");
	EXPECT_EQ(Ipv6Prefix::parse("::/0").str(), "::/0");
	EXPECT_EQ(Ipv6Prefix::parse("2001:db8:30:14::/64").str(), "2001:db8:30:14::/64");
	EXPECT_EQ(Ipv6Prefix::parse("2001:db8::1/128").str(), "2001:db8::1/128");
	EXPECT_EQ(Ipv6Prefix::parse("2001:db8::1:0/112").str(), "2001:db8::1:0/112");
	// The last bit of a /127 may be set only at /128.
	EXPECT_EQ(Ipv6Prefix::parse("2001:db8::2/127").len, 127u);
}

TEST(Ipv6PrefixParse, BareAddressIsAHost)
{
	Ipv6Prefix p = Ipv6Prefix::parse("2001:db8::5");
	EXPECT_EQ(p.len, 128u);
	EXPECT_EQ(p, Ipv6Prefix::parse("2001:db8::5/128"));
	EXPECT_EQ(p.addr, parse_ipv6_address("2001:db8::5"));
}

TEST(Ipv6PrefixParse, RejectsHostBitsPastTheLength)
{
	EXPECT_EQ(prefix_error("2001:db8::1/64"), "invalid IPv6 prefix '2001:db8::1/64': host bits set past /64");
	EXPECT_NE(prefix_error("2001:db8::3/127"), "");
	EXPECT_NE(prefix_error("2001:db9::/31"), "");
	EXPECT_NE(prefix_error("::1/0"), "");
	EXPECT_NE(prefix_error("8000::/0"), "") << "the very first bit";
}

TEST(Ipv6PrefixParse, RejectsBadLengths)
{
	for (const char *text : {"2001:db8::/129", "2001:db8::/-1", "2001:db8::/", "2001:db8::/abc", "2001:db8::/64x",
				 "2001:db8::/ 64", "2001:db8::/+64", "2001:db8::/99999999999999999999", "2001:db8::/64/64"})
		EXPECT_EQ(prefix_error(text), "invalid IPv6 prefix '" + std::string(text) + "'") << text;
}

TEST(Ipv6PrefixParse, RejectsWhatIsNotAnIpv6Address)
{
	for (const char *text : {"", "/64", "192.0.2.0/24", "2001:db8::g/64", "2001:db8:::1/64", "fe80::1%eth0/64",
				 "2001:db8:1:2:3:4:5:6:7/128", " 2001:db8::/32"})
		EXPECT_EQ(prefix_error(text), "invalid IPv6 prefix '" + std::string(text) + "'") << text;
}

TEST(Ipv6Address, FormatsCanonically)
{
	EXPECT_EQ(format_ipv6_address(parse_ipv6_address("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
	EXPECT_EQ(format_ipv6_address(parse_ipv6_address("::ffff:192.0.2.1")), "::ffff:192.0.2.1");
	EXPECT_THROW(parse_ipv6_address("2001:db8::/64"), Error);
}

// The message of the Error parse_unsigned throws, or "" when it parses.
std::string unsigned_error(const std::string &text, unsigned long min, unsigned long max)
{
	try {
		parse_unsigned(text, min, max, "MTU");
	} catch (const Error &e) {
		return e.what();
	}
	return "";
}

TEST(ParseUnsigned, AcceptsTheWholeRangeInclusive)
{
	EXPECT_EQ(parse_unsigned("1280", 1280, 65535, "MTU"), 1280u);
	EXPECT_EQ(parse_unsigned("65535", 1280, 65535, "MTU"), 65535u);
	EXPECT_EQ(parse_unsigned("9000", 1280, 65535, "MTU"), 9000u);
	EXPECT_EQ(parse_unsigned("0", 0, 0, "MTU"), 0u);
	EXPECT_EQ(parse_unsigned("007", 0, 10, "MTU"), 7u);
}

TEST(ParseUnsigned, RejectsOutOfRangeWithTheRangeInTheMessage)
{
	EXPECT_EQ(unsigned_error("1279", 1280, 65535), "invalid MTU '1279': expected 1280..65535");
	EXPECT_EQ(unsigned_error("65536", 1280, 65535), "invalid MTU '65536': expected 1280..65535");
	EXPECT_NE(unsigned_error("18446744073709551616", 0, ~0UL), "") << "one past ULONG_MAX";
	EXPECT_EQ(unsigned_error("18446744073709551615", 0, ~0UL), "") << "ULONG_MAX itself";
}

TEST(ParseUnsigned, RejectsWhatIsNotAWholeNumber)
{
	for (const char *text : {"", "-1", "+1", " 1400", "1400 ", "1400B", "0x500", "1e3", "14.0"})
		EXPECT_EQ(unsigned_error(text, 0, 100000), "invalid MTU '" + std::string(text) + "': expected 0..100000")
			<< text;
}

} // namespace
} // namespace pmtuguard
