// The daemon's config: what it accepts, and for each kind of mistake the
// message with file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lib/config.h"

namespace pmtuguard {
namespace {

// The message parse_config throws for text, or "" when it accepts it.
std::string error_of(const std::string &text)
{
	try {
		parse_config(text, "t.toml");
	} catch (const ConfigError &e) {
		return e.what();
	}
	return "";
}

// The message check_against_system throws for the config text, or "" when
// the machine has all it names.
std::string system_error_of(const std::string &text)
{
	try {
		check_against_system(parse_config(text, "t.toml"));
	} catch (const ConfigError &e) {
		return e.what();
	}
	return "";
}

TEST(Config, FullConfig)
{
	Config c = parse_config(R"(listen = "127.0.0.1:9000"
[limits]
source_rate = 5
global_burst = 7
[[interface]]
name = "eth0"
[[interface]]
name = "eth1"
mode = "tc"
observe = true
[[mtu]]
prefix = "2001:db8:77::/48"
mtu = 1400
)",
				"t.toml");
	EXPECT_EQ(c.listen.str(), "127.0.0.1:9000");
	ASSERT_EQ(c.interfaces.size(), 2u);
	EXPECT_EQ(c.interfaces[0].name, "eth0");
	EXPECT_EQ(c.interfaces[0].mode, PG_MODE_NATIVE);
	EXPECT_FALSE(c.interfaces[0].observe);
	EXPECT_EQ(c.interfaces[0].line, 6u); // its name
	EXPECT_EQ(c.interfaces[1].mode, PG_MODE_TC);
	EXPECT_TRUE(c.interfaces[1].observe);
	ASSERT_EQ(c.mtu.size(), 1u);
	EXPECT_EQ(c.mtu[0].prefix.str(), "2001:db8:77::/48");
	EXPECT_EQ(c.mtu[0].mtu, 1400u);
	EXPECT_EQ(c.limits.source_rate, 5u);
	EXPECT_EQ(c.limits.global_burst, 7u);
	// Keys left out keep their defaults.
	EXPECT_EQ(c.limits.source_prefix_len, unsigned(PG_DEFAULT_SOURCE_PREFIX_LEN));
	EXPECT_EQ(c.limits.global_rate, unsigned(PG_DEFAULT_GLOBAL_RATE));
}

TEST(Config, DefaultListenAddress)
{
	Config c = parse_config("[[interface]]\nname = \"eth0\"\n", "t.toml");
	EXPECT_EQ(c.listen.str(), "[::1]:9469");
}

TEST(Config, ShippedExampleIsValid)
{
	auto example = std::filesystem::path(__FILE__).parent_path() / "../../docs/pmtuguard.example.toml";
	std::ifstream in(example);
	ASSERT_TRUE(in) << example;
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	Config c = parse_config(text, example);
	EXPECT_FALSE(c.interfaces.empty());
	EXPECT_FALSE(c.mtu.empty());
}

TEST(Config, BadSyntaxNamesTheLine)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\nmode = \n").substr(0, 9), "t.toml:3:");
}

TEST(Config, UnknownKeys)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\nobserv = true\n"),
		  "t.toml:3: unknown key 'observ' in [[interface]]");
	EXPECT_EQ(error_of("listn = \"[::1]:1\"\n[[interface]]\nname = \"eth0\"\n"), "t.toml:1: unknown key 'listn'");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[limits]\nrate = 1\n"),
		  "t.toml:4: unknown key 'rate' in [limits]");
}

TEST(Config, BadPrefix)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::1/48\"\nmtu = 1400\n"),
		  "t.toml:4: invalid IPv6 prefix '2001:db8::1/48': host bits set past /48");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"10.0.0.0/8\"\nmtu = 1400\n"),
		  "t.toml:4: invalid IPv6 prefix '10.0.0.0/8'");
}

TEST(Config, BadMtu)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::/32\"\nmtu = 1279\n"),
		  "t.toml:5: invalid MTU 1279: expected 1280..65535");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::/32\"\nmtu = \"1400\"\n"),
		  "t.toml:5: MTU must be an integer");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::/32\"\n"),
		  "t.toml:3: [[mtu]] needs 'mtu'");
}

TEST(Config, DuplicatesAreRefused)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[interface]]\nname = \"eth0\"\n"),
		  "t.toml:4: interface 'eth0' given twice");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::/32\"\nmtu = 1400\n"
			   "[[mtu]]\nprefix = \"2001:db8:0::/32\"\nmtu = 1500\n"),
		  "t.toml:7: MTU policy for 2001:db8::/32 given twice (first on line 4)");
}

TEST(Config, InterfaceValues)
{
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\nmode = \"fast\"\n"),
		  "t.toml:3: invalid mode 'fast': expected native, generic or tc");
	EXPECT_EQ(error_of("[[interface]]\nname = \"a-name-longer-than-15\"\n"),
		  "t.toml:2: invalid interface name 'a-name-longer-than-15': 1 to 15 characters");
	EXPECT_EQ(error_of("[[interface]]\nmode = \"tc\"\n"), "t.toml:1: [[interface]] needs 'name'");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\nobserve = 1\n"), "t.toml:3: observe must be true or false");
	EXPECT_EQ(error_of("interface = \"eth0\"\n"), "t.toml:1: 'interface' must be a list of [[interface]] tables");
	EXPECT_EQ(error_of("listen = \"[::1]:9469\"\n"), "t.toml: no [[interface]]: nothing to attach");
}

TEST(Config, LimitsAndListen)
{
	EXPECT_EQ(error_of("[limits]\nsource_prefix_len = 129\n[[interface]]\nname = \"eth0\"\n"),
		  "t.toml:2: invalid source_prefix_len 129: expected 0..128");
	EXPECT_EQ(error_of("[limits]\nsource_burst = 0\n[[interface]]\nname = \"eth0\"\n"),
		  "t.toml:2: invalid source_burst 0: expected 1..1000000");
	EXPECT_EQ(error_of("listen = \"::1:9469\"\n[[interface]]\nname = \"eth0\"\n"),
		  "t.toml:1: invalid listen address '::1:9469': expected [IPv6]:PORT or IPv4:PORT");
}

TEST(Config, UnknownInterfaceNamesTheLine)
{
	EXPECT_EQ(system_error_of("[[interface]]\nname = \"lo\"\n[[interface]]\nname = \"pgnosuchif0\"\n"),
		  "t.toml:4: unknown interface 'pgnosuchif0'");
}

TEST(Config, SourceRules)
{
	Config c = parse_config("[[interface]]\nname = \"eth0\"\n[[source_rule]]\nfrom = \"2001:db8:100::/40\"\n"
				"table = 100\n[[source_rule]]\nfrom = \"2001:db8:200::/48\"\niif = \"eth0\"\n"
				"table = \"main\"\n",
				"t.toml");
	ASSERT_EQ(c.source_rules.size(), 2u);
	EXPECT_EQ(c.source_rules[0].from.str(), "2001:db8:100::/40");
	EXPECT_EQ(c.source_rules[0].table, 100u);
	EXPECT_EQ(c.source_rules[0].iif, "");
	EXPECT_EQ(c.source_rules[1].iif, "eth0");
	EXPECT_EQ(c.source_rules[1].table, 254u);
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[source_rule]]\nfrom = \"2001:db8::/32\"\ntable = 0\n"),
		  "t.toml:5: invalid routing table id 0: expected 1..4294967295");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[source_rule]]\nfrom = \"2001:db8::/32\"\n"
			   "table = \"mian\"\n"),
		  "t.toml:5: invalid routing table id 'mian': expected 1..4294967295");
	EXPECT_EQ(error_of("[[interface]]\nname = \"eth0\"\n[[source_rule]]\nfrom = \"2001:db8::/32\"\ntable = 1\n"
			   "[[source_rule]]\nfrom = \"2001:db8::/32\"\ntable = 2\n"),
		  "t.toml:7: source rule from 2001:db8::/32 given twice (first on line 4)");
}

TEST(Config, SourceRuleTableWithoutRoutes)
{
	// Table 4000000000: no machine running these tests has routes there.
	EXPECT_EQ(system_error_of("[[interface]]\nname = \"lo\"\n[[source_rule]]\nfrom = \"2001:db8::/32\"\n"
				  "table = 4000000000\n"),
		  "t.toml:4: routing table 4000000000 has no IPv6 route (or does not exist)");
}

TEST(Config, MissingFile)
{
	EXPECT_THROW(load_config("/nonexistent/pmtuguard.toml"), ConfigError);
}

TEST(ListenAddress, Forms)
{
	EXPECT_EQ(ListenAddress::parse("[::1]:9469").host, "::1");
	EXPECT_EQ(ListenAddress::parse("[::]:80").str(), "[::]:80");
	EXPECT_EQ(ListenAddress::parse("127.0.0.1:9469").port, 9469);
	EXPECT_THROW(ListenAddress::parse("localhost:9469"), Error);
	EXPECT_THROW(ListenAddress::parse("[::1]:0"), Error);
	EXPECT_THROW(ListenAddress::parse("[::1]:65536"), Error);
	EXPECT_THROW(ListenAddress::parse("[::1"), Error);
	EXPECT_THROW(ListenAddress::parse("[fe80::zz]:1"), Error);
}

} // namespace
} // namespace pmtuguard
