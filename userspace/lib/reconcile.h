#pragma once
// What the daemon does with a configuration: compare it with what runs, make
// a plan, and apply the plan. Planning is pure and refuses what a reload must
// not do, so a config is judged as a whole before anything changes.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.h"
#include "lib/datapath.h"
#include "lib/maps.h"

namespace pmtuguard {

struct RunningState {
	std::vector<Attachment> attachments;
	std::vector<MtuPolicyEntry> mtu;
	std::vector<SourceRule> rules;
	std::optional<pg_settings> settings; // nullopt: no maps pinned yet
};

RunningState read_running_state(const Datapath &dp);

struct Plan {
	std::vector<AttachOptions> attach;      // one call per (mode, observe) group
	std::vector<AttachOptions> reconfigure; // attached already; the observe flag changes
	std::vector<std::string> detach;        // attached, no longer in the config
	std::vector<MtuPolicyEntry> mtu_set;    // new or changed
	std::vector<Ipv6Prefix> mtu_del;
	std::vector<SourceRule> rules_add;
	std::vector<SourceRule> rules_move;     // same selector, another table
	std::vector<SourceRule> rules_del;
	std::optional<pg_settings> settings;

	bool empty() const;
	// One line per change, for the log.
	std::vector<std::string> describe() const;
};

// Throws ConfigError (file:line) for a change that would need an interface
// detached and attached again (a new mode). ifindex_of resolves the iif of
// source rules (0: no such interface).
Plan plan_changes(const Config &desired, const RunningState &running,
		  const std::function<int(const std::string &)> &ifindex_of);

// Attachments first, all or none; then the maps; detaches last.
void apply_plan(Datapath &dp, const Plan &plan);

} // namespace pmtuguard
