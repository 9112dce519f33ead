#pragma once
// The daemon's configuration file (TOML, docs/pmtuguard.example.toml): parsed
// and validated as a whole into plain data before anything is applied. Every
// error names the file and line: "path:line: reason".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/error.h"
#include "lib/prefix.h"
#include "pmtuguard/abi.h"

namespace pmtuguard {

// Where the metrics endpoint listens: "[::1]:9469" or "127.0.0.1:9469";
// the host is an IP literal, never a name to resolve.
struct ListenAddress {
	std::string host = "::1";
	uint16_t port = 9469;

	static ListenAddress parse(std::string_view text);
	std::string str() const;
	bool operator==(const ListenAddress &) const = default;
};

struct InterfaceConfig {
	std::string name;
	pg_attach_mode mode = PG_MODE_NATIVE;
	bool observe = false;
	unsigned line = 0;
};

struct MtuConfig {
	Ipv6Prefix prefix;
	unsigned mtu = 0;
	unsigned line = 0;
};

// Packets from `from` (arriving on iif, or on any interface) are routed in
// `table`, as `pmtuguard rule add` does.
struct SourceRuleConfig {
	Ipv6Prefix from;
	std::string iif; // empty: any interface
	uint32_t table = 0;
	unsigned line = 0;
};

struct Config {
	std::string path;
	ListenAddress listen;
	std::vector<InterfaceConfig> interfaces;
	std::vector<MtuConfig> mtu;
	pg_settings limits{};
	std::vector<SourceRuleConfig> source_rules;

	// "path:line: reason", for errors found after parsing.
	std::string where(unsigned line) const;
};

class ConfigError : public Error {
public:
	using Error::Error;
};

// Syntax, keys, types and values; path only names the text in messages.
Config parse_config(std::string_view text, const std::string &path);
// What the config names must exist on this machine: its interfaces, and
// routing tables with IPv6 routes for its source rules.
void check_against_system(const Config &config);
// Reads, parses and checks the file.
Config load_config(const std::string &path);

} // namespace pmtuguard
