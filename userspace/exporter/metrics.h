#pragma once
// The Prometheus text exposition of a datapath: rendered from the same
// StatsSnapshot `stats -j` prints and from the counter table in abi.h, so the
// two always agree and a new counter shows up in both without more code.
#include <optional>
#include <string>
#include <vector>

#include "lib/datapath.h"
#include "lib/stats.h"

namespace pmtuguard {

struct MetricsInput {
	std::optional<StatsSnapshot> stats; // nullopt: no datapath pinned
	std::vector<Attachment> attachments;
	std::string version;
};

// Pure: the text format, version 0.0.4.
std::string render_metrics(const MetricsInput &in);

// Reads everything render_metrics needs from the pin dir.
MetricsInput collect_metrics(const std::string &pin_dir);

inline constexpr const char *kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

} // namespace pmtuguard
