// events [-j] [--count N]: the datapath's sampled events, as they happen.
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "lib/events.h"
#include "lib/signals.h"
#include "lib/stats.h"

namespace pmtuguard::cli {
namespace {

constexpr int kPollMs = 200;
constexpr auto kLossEvery = std::chrono::seconds(1);

void stream_events(const GlobalOptions &g, unsigned count)
{
	SignalFd signals({SIGTERM, SIGINT});
	const EventLoss start = EventLoss::from(collect_stats(g.pin_dir));
	EventLoss shown;
	unsigned seen = 0;
	auto show_loss = [&](bool always) {
		EventLoss loss = EventLoss::from(collect_stats(g.pin_dir)).since(start);
		if (always || loss != shown)
			std::cout << (g.json ? loss_json(loss).dump() : loss_text(loss)) << std::endl;
		shown = loss;
	};
	EventReader reader(g.pin_dir, [&](const Event &e) {
		if (count && seen >= count)
			return; // the rest of this batch: past what was asked for
		std::cout << (g.json ? event_json(e).dump() : event_text(e)) << std::endl;
		seen++;
	});
	// Like tcpdump's "listening on": from here on, events are recorded.
	std::cerr << "reading events from " << g.pin_dir << " (Ctrl-C to stop)" << std::endl;
	auto next_loss = std::chrono::steady_clock::now() + kLossEvery;
	while (!signals.pending() && !(count && seen >= count)) {
		reader.poll(kPollMs);
		if (std::chrono::steady_clock::now() >= next_loss) {
			show_loss(false);
			next_loss += kLossEvery;
		}
	}
	reader.drain(); // what was recorded before the stop is shown, not left behind
	show_loss(true);
}

} // namespace

void register_events(CLI::App &app, GlobalOptions &g)
{
	auto count = std::make_shared<unsigned>(0);
	auto *events = app.add_subcommand(
		"events", "stream sampled events (PTB sent, suppressed, received; oversize in observe mode)");
	events->add_option("-c,--count", *count, "stop after this many events");
	events->callback([&g, count] { stream_events(g, *count); });
}

} // namespace pmtuguard::cli
