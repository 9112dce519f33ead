#include "exporter/metrics.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "lib/maps.h"

namespace pmtuguard {
namespace {

// Counters named <prefix><reason> are one family with a reason label.
struct Grouping {
	std::string_view prefix;
	std::string_view family;
	std::string_view help;
};
constexpr Grouping kGroupings[] = {
	{kPassedPrefix, "passed_packets", "packets handed to the kernel untouched, by reason"},
	{kDroppedPrefix, "dropped_packets", "packets dropped without a Packet Too Big, by reason"},
	{kSuppressedPrefix, "ptb_suppressed", "oversize packets not answered with a Packet Too Big, by reason"},
};

// ptb_received_mtu_le_<N>, ptb_received_mtu_gt_<N> (the +Inf bucket) and
// ptb_received_mtu_sum make one histogram.
constexpr std::string_view kPtbMtuPrefix = "ptb_received_mtu_";
constexpr std::string_view kPtbMtuHistogram = "pmtuguard_ptb_received_mtu_bytes";

std::string escape(std::string_view text, bool quote)
{
	std::string out;
	for (char c : text) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else if (c == '"' && quote)
			out += "\\\"";
		else
			out += c;
	}
	return out;
}

using Labels = std::vector<std::pair<std::string_view, std::string>>;

std::string format_labels(const Labels &labels)
{
	if (labels.empty())
		return "";
	std::string out = "{";
	for (const auto &[name, value] : labels) {
		if (out.size() > 1)
			out += ',';
		out += std::string(name) + "=\"" + escape(value, true) + '"';
	}
	return out + "}";
}

// Samples grouped by family, families in the order they first appear: the
// text format wants each family's samples together.
class Exposition {
public:
	void add(const std::string &family, std::string_view type, std::string_view help, const std::string &sample,
		 const Labels &labels, uint64_t value)
	{
		auto it = std::find_if(families_.begin(), families_.end(), [&](const auto &f) { return f.name == family; });
		if (it == families_.end()) {
			families_.push_back({family, std::string(type), std::string(help), {}});
			it = families_.end() - 1;
		}
		it->samples += sample + format_labels(labels) + ' ' + std::to_string(value) + '\n';
	}
	void add(const std::string &family, std::string_view type, std::string_view help, const Labels &labels,
		 uint64_t value)
	{
		add(family, type, help, family, labels, value);
	}
	std::string str() const
	{
		std::string out;
		for (const auto &f : families_)
			out += "# HELP " + f.name + ' ' + escape(f.help, false) + "\n# TYPE " + f.name + ' ' + f.type + '\n' +
			       f.samples;
		return out;
	}

private:
	struct Family {
		std::string name, type, help, samples;
	};
	std::vector<Family> families_;
};

std::string counter_family(std::string_view name)
{
	return "pmtuguard_" + std::string(name) + "_total";
}

void render_ptb_mtu_histogram(Exposition &out, const InterfaceStats &iface)
{
	struct Bucket {
		uint64_t le;
		uint64_t count;
	};
	std::vector<Bucket> buckets;
	uint64_t sum = 0;
	for (const auto &info : counter_infos()) {
		if (!info.name.starts_with(kPtbMtuPrefix))
			continue;
		std::string_view rest = info.name.substr(kPtbMtuPrefix.size());
		uint64_t value = iface.counters[info.id];
		if (rest == "sum") {
			sum = value;
			continue;
		}
		uint64_t le = std::numeric_limits<uint64_t>::max(); // gt_<N>: +Inf
		if (rest.starts_with("le_"))
			std::from_chars(rest.data() + 3, rest.data() + rest.size(), le);
		buckets.push_back({le, value});
	}
	std::sort(buckets.begin(), buckets.end(), [](const auto &a, const auto &b) { return a.le < b.le; });
	const std::string help = "MTU advertised by Packet Too Big messages arriving at the interface";
	const std::string family(kPtbMtuHistogram);
	uint64_t cumulative = 0;
	for (const auto &b : buckets) {
		cumulative += b.count;
		std::string le = b.le == std::numeric_limits<uint64_t>::max() ? "+Inf" : std::to_string(b.le);
		out.add(family, "histogram", help, family + "_bucket", {{"interface", iface.name}, {"le", le}}, cumulative);
	}
	out.add(family, "histogram", help, family + "_sum", {{"interface", iface.name}}, sum);
	out.add(family, "histogram", help, family + "_count", {{"interface", iface.name}}, cumulative);
}

void render_interface(Exposition &out, const InterfaceStats &iface)
{
	for (const auto &info : counter_infos()) {
		if (info.name.starts_with(kPtbMtuPrefix))
			continue;
		auto grouping = std::find_if(std::begin(kGroupings), std::end(kGroupings),
					     [&](const auto &g) { return info.name.starts_with(g.prefix); });
		uint64_t value = iface.counters[info.id];
		if (grouping != std::end(kGroupings))
			out.add(counter_family(grouping->family), "counter", grouping->help,
				{{"interface", iface.name}, {"reason", std::string(info.name.substr(grouping->prefix.size()))}},
				value);
		else
			out.add(counter_family(info.name), "counter", info.help, {{"interface", iface.name}}, value);
	}
	render_ptb_mtu_histogram(out, iface);
	out.add(counter_family("ptb_received_below_minimum"), "counter",
		"Packet Too Big messages advertising an MTU below 1280: a path MTU collapse or an attack",
		{{"interface", iface.name}}, iface.counters[PG_CNT_PTB_RECEIVED_MTU_LE_1279]);
}

} // namespace

std::string render_metrics(const MetricsInput &in)
{
	Exposition out;
	out.add("pmtuguard_build_info", "gauge", "pmtuguard version", {{"version", in.version}}, 1);
	out.add("pmtuguard_datapath_loaded", "gauge", "1 when the datapath's maps are pinned in the pin directory", {},
		in.stats ? 1 : 0);
	for (const auto &a : in.attachments)
		out.add("pmtuguard_attached_info", "gauge", "one per attachment of the datapath to an interface",
			{{"interface", a.interface},
			 {"hook", hook_name(a.hook)},
			 {"mode", mode_name(a.mode)},
			 {"observe", a.observe ? "true" : "false"},
			 {"prog_id", std::to_string(a.prog_id)}},
			1);
	if (!in.stats)
		return out.str();
	for (const auto &iface : in.stats->interfaces)
		render_interface(out, iface);
	for (const auto &t : in.stats->tables)
		for (const auto &info : table_counter_infos())
			out.add(counter_family("rule_packets"), "counter",
				"packets whose source rule chose this routing table, by result",
				{{"table", std::to_string(t.table)}, {"result", std::string(info.name)}}, t.counters[info.id]);
	return out.str();
}

MetricsInput collect_metrics(const std::string &pin_dir)
{
	MetricsInput in;
	in.version = PMTUGUARD_VERSION;
	if (!maps_pinned(pin_dir))
		return in;
	in.stats = collect_stats(pin_dir);
	in.attachments = Datapath(pin_dir).attachments();
	return in;
}

} // namespace pmtuguard
