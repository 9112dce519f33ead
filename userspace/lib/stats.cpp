#include "lib/stats.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "lib/datapath.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/netlink.h"

namespace pmtuguard {
namespace {

// The counters as shown: each raw counter, then the two totals.
std::vector<std::pair<std::string, double>> shown_counters(const CounterValues &v)
{
	std::vector<std::pair<std::string, double>> out;
	for (const auto &info : counter_infos())
		out.emplace_back(std::string(info.name), static_cast<double>(v[info.id]));
	out.emplace_back("passed_packets", static_cast<double>(sum_with_prefix(v, kPassedPrefix)));
	out.emplace_back("dropped_packets", static_cast<double>(sum_with_prefix(v, kDroppedPrefix)));
	out.emplace_back("ptb_suppressed", static_cast<double>(sum_with_prefix(v, kSuppressedPrefix)));
	return out;
}

const InterfaceStats *find(const StatsSnapshot &snap, int ifindex)
{
	for (const auto &i : snap.interfaces)
		if (i.ifindex == ifindex)
			return &i;
	return nullptr;
}

CounterValues delta(const CounterValues &a, const CounterValues &b)
{
	CounterValues d{};
	for (size_t i = 0; i < d.size(); i++)
		d[i] = b[i] >= a[i] ? b[i] - a[i] : 0;
	return d;
}

nlohmann::json interface_header(const InterfaceStats &i)
{
	return {{"name", i.name}, {"ifindex", i.ifindex}, {"mode", i.mode}, {"observe", i.observe}};
}

} // namespace

std::vector<TableStats> collect_table_stats(const PinnedMaps &maps)
{
	std::vector<TableStats> out;
	for (uint32_t table : maps.counted_tables())
		out.push_back({table, maps.table_counters(table)});
	std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.table < b.table; });
	return out;
}

StatsSnapshot collect_stats(const std::string &pin_dir, const std::vector<std::string> &only)
{
	PinnedMaps maps(pin_dir);
	StatsSnapshot snap;
	snap.taken = std::chrono::steady_clock::now();
	for (uint32_t ifindex : maps.counted_interfaces()) {
		InterfaceStats s;
		s.ifindex = static_cast<int>(ifindex);
		s.name = interface_name(s.ifindex);
		if (auto cfg = maps.iface(ifindex, 0)) {
			s.mode = mode_name(static_cast<pg_attach_mode>(cfg->mode));
			s.observe = cfg->flags & PG_IFACE_OBSERVE;
		}
		s.counters = maps.counters(ifindex);
		snap.interfaces.push_back(std::move(s));
	}
	std::sort(snap.interfaces.begin(), snap.interfaces.end(),
		  [](const auto &a, const auto &b) { return a.ifindex < b.ifindex; });
	if (!only.empty()) {
		std::vector<InterfaceStats> kept;
		for (const auto &name : only) {
			auto it = std::find_if(snap.interfaces.begin(), snap.interfaces.end(),
					       [&](const auto &i) { return i.name == name; });
			if (it == snap.interfaces.end())
				throw Error("interface '" + name + "' is not attached");
			kept.push_back(*it);
		}
		snap.interfaces = std::move(kept);
	}
	snap.tables = collect_table_stats(maps);
	return snap;
}

nlohmann::json stats_json(const StatsSnapshot &snap)
{
	nlohmann::json ifaces = nlohmann::json::array();
	for (const auto &i : snap.interfaces) {
		nlohmann::json j = interface_header(i);
		nlohmann::json counters = nlohmann::json::object();
		for (const auto &[name, value] : shown_counters(i.counters))
			counters[name] = static_cast<uint64_t>(value);
		j["counters"] = counters;
		ifaces.push_back(j);
	}
	nlohmann::json tables = nlohmann::json::array();
	for (const auto &t : snap.tables) {
		nlohmann::json counters = nlohmann::json::object();
		for (const auto &info : table_counter_infos())
			counters[std::string(info.name)] = t.counters[info.id];
		tables.push_back({{"table", t.table}, {"counters", counters}});
	}
	return {{"interfaces", ifaces}, {"tables", tables}};
}

namespace {
// The name column fits the longest counter name, so the values line up.
int name_width()
{
	size_t width = 0;
	for (const auto &info : counter_infos())
		width = std::max(width, info.name.size());
	for (const auto &info : table_counter_infos())
		width = std::max(width, info.name.size());
	return static_cast<int>(width);
}
} // namespace

std::string stats_text(const StatsSnapshot &snap)
{
	const int width = name_width();
	std::ostringstream out;
	if (snap.interfaces.empty())
		out << "no interfaces attached\n";
	for (const auto &i : snap.interfaces) {
		out << i.name << " (ifindex " << i.ifindex << ", " << i.mode << (i.observe ? ", observe" : "") << ")\n";
		for (const auto &[name, value] : shown_counters(i.counters)) {
			char line[128];
			std::snprintf(line, sizeof(line), "  %-*s %20llu\n", width, name.c_str(),
				      static_cast<unsigned long long>(value));
			out << line;
		}
	}
	for (const auto &t : snap.tables) {
		out << "table " << t.table << " (source rules)\n";
		for (const auto &info : table_counter_infos()) {
			char line[128];
			std::snprintf(line, sizeof(line), "  %-*s %20llu\n", width, std::string(info.name).c_str(),
				      static_cast<unsigned long long>(t.counters[info.id]));
			out << line;
		}
	}
	return out.str();
}

nlohmann::json rates_json(const StatsSnapshot &prev, const StatsSnapshot &cur)
{
	double secs = std::chrono::duration<double>(cur.taken - prev.taken).count();
	nlohmann::json ifaces = nlohmann::json::array();
	for (const auto &i : cur.interfaces) {
		const InterfaceStats *p = find(prev, i.ifindex);
		CounterValues d = p ? delta(p->counters, i.counters) : CounterValues{};
		nlohmann::json j = interface_header(i);
		nlohmann::json rates = nlohmann::json::object();
		for (const auto &[name, value] : shown_counters(d))
			rates[name] = secs > 0 ? value / secs : 0.0;
		j["rates_per_second"] = rates;
		ifaces.push_back(j);
	}
	return {{"interval_seconds", secs}, {"interfaces", ifaces}};
}

std::string rates_text(const StatsSnapshot &prev, const StatsSnapshot &cur)
{
	double secs = std::chrono::duration<double>(cur.taken - prev.taken).count();
	const int width = name_width();
	std::ostringstream out;
	for (const auto &i : cur.interfaces) {
		const InterfaceStats *p = find(prev, i.ifindex);
		CounterValues d = p ? delta(p->counters, i.counters) : CounterValues{};
		out << i.name << " (per second over " << secs << " s)\n";
		bool any = false;
		for (const auto &[name, value] : shown_counters(d)) {
			if (value == 0)
				continue;
			any = true;
			char line[128];
			std::snprintf(line, sizeof(line), "  %-*s %16.1f/s\n", width, name.c_str(), secs > 0 ? value / secs : 0.0);
			out << line;
		}
		if (!any)
			out << "  (idle)\n";
	}
	return out.str();
}

} // namespace pmtuguard
