// stats [-j] [--interval N] [IFACE...]
#include <csignal>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "lib/error.h"
#include "lib/stats.h"

namespace pmtuguard::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void print(const GlobalOptions &g, const std::vector<std::string> &ifaces, double interval, unsigned count)
{
	StatsSnapshot prev = collect_stats(g.pin_dir, ifaces);
	if (interval <= 0) {
		std::cout << (g.json ? stats_json(prev).dump() + "\n" : stats_text(prev));
		return;
	}
	std::signal(SIGINT, [](int) { g_stop = 1; });
	std::signal(SIGTERM, [](int) { g_stop = 1; });
	for (unsigned n = 0; !g_stop && (count == 0 || n < count); n++) {
		auto until = prev.taken + std::chrono::duration<double>(interval);
		while (!g_stop && std::chrono::steady_clock::now() < until)
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
		if (g_stop)
			break;
		StatsSnapshot cur = collect_stats(g.pin_dir, ifaces);
		std::cout << (g.json ? rates_json(prev, cur).dump() + "\n" : rates_text(prev, cur)) << std::flush;
		prev = std::move(cur);
	}
}

} // namespace

void register_stats(CLI::App &app, GlobalOptions &g)
{
	auto ifaces = std::make_shared<std::vector<std::string>>();
	auto interval = std::make_shared<double>(0);
	auto count = std::make_shared<unsigned>(0);
	auto *stats = app.add_subcommand("stats", "counters per interface (totals, or rates with --interval)");
	stats->add_option("interfaces", *ifaces, "only these interfaces");
	stats->add_option("-i,--interval", *interval, "print per-second rates every SECONDS until interrupted")
		->check(CLI::PositiveNumber);
	stats->add_option("-c,--count", *count, "stop after this many intervals");
	stats->callback([&g, ifaces, interval, count] { print(g, *ifaces, *interval, *count); });
}

} // namespace pmtuguard::cli
