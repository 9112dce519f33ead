#include "lib/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "lib/datapath.h"
#include "lib/netlink.h"
#include "lib/rules.h"

namespace pmtuguard {
namespace {

constexpr unsigned kMaxInterfaceName = 15; // IFNAMSIZ - 1

// Reads one parsed document, turning each problem into "path:line: reason".
class Reader {
public:
	explicit Reader(const Config &config) : config_(config) {}

	[[noreturn]] void fail(const toml::source_region &where, const std::string &reason) const
	{
		throw ConfigError(config_.where(where.begin.line) + reason);
	}

	void only_keys(const toml::table &table, std::initializer_list<std::string_view> allowed,
		       std::string_view section) const
	{
		for (const auto &[key, value] : table) {
			if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end())
				fail(key.source(), "unknown key '" + std::string(key.str()) + "'" +
							   (section.empty() ? "" : " in " + std::string(section)));
		}
	}

	const toml::node &required(const toml::table &table, std::string_view key, std::string_view section) const
	{
		const toml::node *node = table.get(key);
		if (!node)
			fail(table.source(), std::string(section) + " needs '" + std::string(key) + "'");
		return *node;
	}

	std::string string(const toml::node &node, std::string_view what) const
	{
		if (!node.is_string())
			fail(node.source(), std::string(what) + " must be a string");
		return node.value<std::string>().value_or("");
	}

	bool boolean(const toml::node &node, std::string_view what) const
	{
		if (!node.is_boolean())
			fail(node.source(), std::string(what) + " must be true or false");
		return node.value<bool>().value_or(false);
	}

	uint64_t integer(const toml::node &node, int64_t min, int64_t max, std::string_view what) const
	{
		if (!node.is_integer())
			fail(node.source(), std::string(what) + " must be an integer");
		int64_t v = node.value<int64_t>().value_or(0);
		if (v < min || v > max)
			fail(node.source(), "invalid " + std::string(what) + " " + std::to_string(v) + ": expected " +
						    std::to_string(min) + ".." + std::to_string(max));
		return static_cast<uint64_t>(v);
	}

	Ipv6Prefix prefix(const toml::node &node, std::string_view what) const
	{
		std::string text = string(node, what);
		try {
			return Ipv6Prefix::parse(text);
		} catch (const Error &e) {
			fail(node.source(), e.what());
		}
	}

	// Each element of an array of tables ([[name]]), or nothing when absent.
	std::vector<const toml::table *> tables(const toml::table &root, std::string_view key) const
	{
		std::vector<const toml::table *> out;
		const toml::node *node = root.get(key);
		if (!node)
			return out;
		if (!node->is_array_of_tables())
			fail(node->source(), "'" + std::string(key) + "' must be a list of [[" + std::string(key) + "]] tables");
		for (const auto &element : *node->as_array())
			out.push_back(element.as_table());
		return out;
	}

private:
	const Config &config_;
};

void read_limits(const Reader &r, const toml::table &limits, pg_settings &s)
{
	constexpr int64_t u32_max = UINT32_MAX;
	r.only_keys(limits, {"source_prefix_len", "source_rate", "source_burst", "global_rate", "global_burst"},
		    "[limits]");
	if (auto *n = limits.get("source_prefix_len"))
		s.source_prefix_len = r.integer(*n, 0, 128, "source_prefix_len");
	if (auto *n = limits.get("source_rate"))
		s.source_rate = r.integer(*n, 0, u32_max, "source_rate");
	if (auto *n = limits.get("source_burst"))
		s.source_burst = r.integer(*n, 1, 1000000, "source_burst");
	if (auto *n = limits.get("global_rate"))
		s.global_rate = r.integer(*n, 0, u32_max, "global_rate");
	if (auto *n = limits.get("global_burst"))
		s.global_burst = r.integer(*n, 1, 10000000, "global_burst");
}

void read_interfaces(const Reader &r, const toml::table &root, Config &config)
{
	std::set<std::string> seen;
	for (const toml::table *t : r.tables(root, "interface")) {
		r.only_keys(*t, {"name", "mode", "observe"}, "[[interface]]");
		InterfaceConfig iface;
		const toml::node &name = r.required(*t, "name", "[[interface]]");
		iface.line = name.source().begin.line;
		iface.name = r.string(name, "interface name");
		if (iface.name.empty() || iface.name.size() > kMaxInterfaceName)
			r.fail(name.source(), "invalid interface name '" + iface.name + "': 1 to 15 characters");
		if (!seen.insert(iface.name).second)
			r.fail(name.source(), "interface '" + iface.name + "' given twice");
		if (auto *mode = t->get("mode")) {
			try {
				iface.mode = parse_mode(r.string(*mode, "mode"));
			} catch (const ConfigError &) {
				throw;
			} catch (const Error &e) {
				r.fail(mode->source(), e.what());
			}
		}
		if (auto *observe = t->get("observe"))
			iface.observe = r.boolean(*observe, "observe");
		config.interfaces.push_back(iface);
	}
	if (config.interfaces.empty())
		throw ConfigError(config.path + ": no [[interface]]: nothing to attach");
}

void read_mtu(const Reader &r, const toml::table &root, Config &config)
{
	for (const toml::table *t : r.tables(root, "mtu")) {
		r.only_keys(*t, {"prefix", "mtu"}, "[[mtu]]");
		MtuConfig m;
		const toml::node &prefix = r.required(*t, "prefix", "[[mtu]]");
		m.line = prefix.source().begin.line;
		m.prefix = r.prefix(prefix, "prefix");
		m.mtu = r.integer(r.required(*t, "mtu", "[[mtu]]"), PG_IPV6_MIN_MTU, 65535, "MTU");
		for (const auto &other : config.mtu)
			if (other.prefix == m.prefix)
				r.fail(prefix.source(), "MTU policy for " + m.prefix.str() + " given twice (first on line " +
								std::to_string(other.line) + ")");
		config.mtu.push_back(m);
	}
}

void read_source_rules(const Reader &r, const toml::table &root, Config &config)
{
	for (const toml::table *t : r.tables(root, "source_rule")) {
		r.only_keys(*t, {"from", "iif", "table"}, "[[source_rule]]");
		SourceRuleConfig rule;
		const toml::node &from = r.required(*t, "from", "[[source_rule]]");
		rule.line = from.source().begin.line;
		rule.from = r.prefix(from, "from");
		if (auto *iif = t->get("iif"))
			rule.iif = r.string(*iif, "iif");
		const toml::node &table = r.required(*t, "table", "[[source_rule]]");
		if (table.is_integer())
			rule.table = r.integer(table, 1, UINT32_MAX, "routing table id");
		else
			try {
				rule.table = parse_table_id(r.string(table, "table"));
			} catch (const ConfigError &) {
				throw;
			} catch (const Error &e) {
				r.fail(table.source(), e.what());
			}
		for (const auto &other : config.source_rules)
			if (other.from == rule.from && other.iif == rule.iif)
				r.fail(from.source(), "source rule from " + rule.from.str() +
							      (rule.iif.empty() ? "" : " iif " + rule.iif) +
							      " given twice (first on line " + std::to_string(other.line) + ")");
		config.source_rules.push_back(rule);
	}
}

} // namespace

ListenAddress ListenAddress::parse(std::string_view text)
{
	auto invalid = [&](const std::string &why) {
		return Error("invalid listen address '" + std::string(text) + "': " + why);
	};
	ListenAddress a;
	size_t colon = text.rfind(':');
	// inet_pton would stop at a NUL (a TOML string may hold one) and accept
	// what comes before it.
	if (text.find('\0') != std::string_view::npos)
		throw invalid("contains a NUL byte");
	if (colon == std::string_view::npos)
		throw invalid("expected [IPv6]:PORT or IPv4:PORT");
	std::string_view host = text.substr(0, colon);
	if (host.starts_with('[')) {
		if (!host.ends_with(']'))
			throw invalid("missing ']'");
		host = host.substr(1, host.size() - 2);
		in6_addr addr{};
		if (inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1)
			throw invalid("'" + std::string(host) + "' is not an IPv6 address");
	} else {
		in_addr addr{};
		if (inet_pton(AF_INET, std::string(host).c_str(), &addr) != 1)
			throw invalid("expected [IPv6]:PORT or IPv4:PORT");
	}
	a.host = std::string(host);
	try {
		a.port = static_cast<uint16_t>(parse_unsigned(text.substr(colon + 1), 1, 65535, "port"));
	} catch (const Error &e) {
		throw invalid(e.what());
	}
	return a;
}

std::string ListenAddress::str() const
{
	return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Config::where(unsigned line) const
{
	return path + ":" + std::to_string(line) + ": ";
}

Config parse_config(std::string_view text, const std::string &path)
{
	Config config;
	config.path = path;
	config.limits = default_settings();

	toml::table root;
	try {
		root = toml::parse(text, path);
	} catch (const toml::parse_error &e) {
		throw ConfigError(config.where(e.source().begin.line) + std::string(e.description()));
	}
	Reader r(config);
	r.only_keys(root, {"listen", "limits", "interface", "mtu", "source_rule"}, "");
	if (auto *listen = root.get("listen")) {
		try {
			config.listen = ListenAddress::parse(r.string(*listen, "listen"));
		} catch (const ConfigError &) {
			throw;
		} catch (const Error &e) {
			r.fail(listen->source(), e.what());
		}
	}
	if (auto *limits = root.get("limits")) {
		if (!limits->is_table())
			r.fail(limits->source(), "'limits' must be a table ([limits])");
		read_limits(r, *limits->as_table(), config.limits);
	}
	read_interfaces(r, root, config);
	read_mtu(r, root, config);
	read_source_rules(r, root, config);
	return config;
}

void check_against_system(const Config &config)
{
	for (const auto &iface : config.interfaces)
		if (!interface_index_or_zero(iface.name))
			throw ConfigError(config.where(iface.line) + "unknown interface '" + iface.name + "'");
	for (const auto &rule : config.source_rules) {
		if (!rule.iif.empty() && !interface_index_or_zero(rule.iif))
			throw ConfigError(config.where(rule.line) + "unknown interface '" + rule.iif + "'");
		if (!table_has_routes(rule.table))
			throw ConfigError(config.where(rule.line) + "routing table " + std::to_string(rule.table) +
					  " has no IPv6 route (or does not exist)");
	}
}

Config load_config(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		throw ConfigError(errno_message("cannot read config " + path, errno));
	std::stringstream text;
	text << in.rdbuf();
	Config config = parse_config(text.str(), path);
	check_against_system(config);
	return config;
}

} // namespace pmtuguard
