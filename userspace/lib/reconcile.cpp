#include "lib/reconcile.h"

#include <algorithm>

#include "lib/rules.h"

namespace pmtuguard {
namespace {

// The running attachment of an interface (tc may have several hooks; they
// share one configuration).
const Attachment *find_attachment(const RunningState &running, const std::string &name)
{
	for (const auto &a : running.attachments)
		if (a.interface == name)
			return &a;
	return nullptr;
}

void add_to_group(std::vector<AttachOptions> &groups, const InterfaceConfig &iface)
{
	auto it = std::find_if(groups.begin(), groups.end(), [&](const AttachOptions &o) {
		return o.mode == iface.mode && o.observe == iface.observe;
	});
	if (it == groups.end()) {
		AttachOptions opts;
		opts.mode = iface.mode;
		opts.observe = iface.observe;
		groups.push_back(opts);
		it = groups.end() - 1;
	}
	it->interfaces.push_back(iface.name);
}

bool same_settings(const pg_settings &a, const pg_settings &b)
{
	return a.source_prefix_len == b.source_prefix_len && a.source_rate == b.source_rate &&
	       a.source_burst == b.source_burst && a.global_rate == b.global_rate && a.global_burst == b.global_burst;
}

std::string group_text(const AttachOptions &o)
{
	std::string names;
	for (const auto &n : o.interfaces)
		names += (names.empty() ? "" : " ") + n;
	return names + " (" + mode_name(o.mode) + (o.observe ? ", observe" : "") + ")";
}

} // namespace

RunningState read_running_state(const Datapath &dp)
{
	RunningState running;
	running.attachments = dp.attachments();
	if (maps_pinned(dp.pin_dir())) {
		PinnedMaps maps(dp.pin_dir());
		running.mtu = maps.mtu_list();
		running.rules = maps.rules();
		running.settings = maps.settings();
	}
	return running;
}

bool Plan::empty() const
{
	return attach.empty() && reconfigure.empty() && detach.empty() && mtu_set.empty() && mtu_del.empty() &&
	       rules_add.empty() && rules_move.empty() && rules_del.empty() && !settings;
}

std::vector<std::string> Plan::describe() const
{
	std::vector<std::string> out;
	for (const auto &o : attach)
		out.push_back("attach " + group_text(o));
	for (const auto &o : reconfigure)
		out.push_back("reconfigure " + group_text(o));
	for (const auto &e : mtu_set)
		out.push_back("mtu " + e.prefix.str() + " " + std::to_string(e.mtu));
	for (const auto &p : mtu_del)
		out.push_back("mtu del " + p.str());
	for (const auto &r : rules_del)
		out.push_back("rule del " + r.str());
	for (const auto &r : rules_add)
		out.push_back("rule add " + r.str());
	for (const auto &r : rules_move)
		out.push_back("rule move " + r.str());
	if (settings)
		out.push_back("limits: source /" + std::to_string(settings->source_prefix_len) + " " +
			      std::to_string(settings->source_rate) + "/s burst " + std::to_string(settings->source_burst) +
			      ", global " + std::to_string(settings->global_rate) + "/s burst " +
			      std::to_string(settings->global_burst));
	for (const auto &name : detach)
		out.push_back("detach " + name);
	return out;
}

Plan plan_changes(const Config &desired, const RunningState &running,
		  const std::function<int(const std::string &)> &ifindex_of)
{
	Plan plan;
	for (const auto &iface : desired.interfaces) {
		const Attachment *a = find_attachment(running, iface.name);
		if (!a) {
			add_to_group(plan.attach, iface);
		} else if (a->mode != iface.mode) {
			throw ConfigError(desired.where(iface.line) + "interface '" + iface.name + "' runs in " +
					  mode_name(a->mode) + " mode; changing it to " + mode_name(iface.mode) +
					  " needs 'pmtuguard detach " + iface.name +
					  "' first (a reload never detaches a kept interface)");
		} else if (a->observe != iface.observe) {
			add_to_group(plan.reconfigure, iface);
		}
	}
	for (const auto &a : running.attachments) {
		bool wanted = std::any_of(desired.interfaces.begin(), desired.interfaces.end(),
					  [&](const auto &i) { return i.name == a.interface; });
		if (!wanted && std::find(plan.detach.begin(), plan.detach.end(), a.interface) == plan.detach.end())
			plan.detach.push_back(a.interface);
	}

	for (const auto &m : desired.mtu) {
		auto it = std::find_if(running.mtu.begin(), running.mtu.end(),
				       [&](const auto &e) { return e.prefix == m.prefix; });
		if (it == running.mtu.end() || it->mtu != m.mtu)
			plan.mtu_set.push_back({m.prefix, m.mtu});
	}
	for (const auto &e : running.mtu) {
		if (std::none_of(desired.mtu.begin(), desired.mtu.end(), [&](const auto &m) { return m.prefix == e.prefix; }))
			plan.mtu_del.push_back(e.prefix);
	}

	std::vector<SourceRule> wanted_rules;
	for (const auto &r : desired.source_rules) {
		SourceRule rule{r.from, 0, r.table};
		if (!r.iif.empty() && !(rule.ifindex = ifindex_of(r.iif)))
			throw ConfigError(desired.where(r.line) + "unknown interface '" + r.iif + "'");
		wanted_rules.push_back(rule);
	}
	auto same_key = [](const SourceRule &a, const SourceRule &b) { return a.from == b.from && a.ifindex == b.ifindex; };
	for (const auto &rule : wanted_rules) {
		auto it = std::find_if(running.rules.begin(), running.rules.end(),
				       [&](const auto &e) { return same_key(e, rule); });
		if (it == running.rules.end())
			plan.rules_add.push_back(rule);
		else if (it->table != rule.table)
			plan.rules_move.push_back(rule);
	}
	for (const auto &e : running.rules)
		if (std::none_of(wanted_rules.begin(), wanted_rules.end(), [&](const auto &r) { return same_key(r, e); }))
			plan.rules_del.push_back(e);

	if (!running.settings || !same_settings(*running.settings, desired.limits))
		plan.settings = desired.limits;
	return plan;
}

void apply_plan(Datapath &dp, const Plan &plan)
{
	std::vector<std::string> attached_here;
	try {
		for (const auto &opts : plan.attach) {
			dp.attach(opts);
			attached_here.insert(attached_here.end(), opts.interfaces.begin(), opts.interfaces.end());
		}
	} catch (...) {
		if (!attached_here.empty())
			dp.detach(attached_here);
		throw;
	}
	if (!maps_pinned(dp.pin_dir()))
		return; // nothing attached, nothing to configure
	PinnedMaps maps(dp.pin_dir());
	if (plan.settings)
		maps.set_settings(*plan.settings);
	for (const auto &e : plan.mtu_set)
		maps.mtu_set(e.prefix, e.mtu);
	for (const auto &p : plan.mtu_del)
		maps.mtu_del(p);
	for (const auto &r : plan.rules_del)
		del_source_rule(maps, r.from, r.ifindex);
	for (const auto &r : plan.rules_add)
		add_source_rule(maps, r);
	for (const auto &r : plan.rules_move)
		replace_source_rule(maps, r);
	for (const auto &opts : plan.reconfigure)
		dp.reconfigure(opts);
	if (!plan.detach.empty())
		dp.detach(plan.detach);
}

} // namespace pmtuguard
