#pragma once
// The datapath's sampled events (bpf/events.h): read from the pinned ring
// buffer, decoded, and shown as text or JSON lines.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/prefix.h"
#include "lib/stats.h"
#include "pmtuguard/abi.h"

struct ring_buffer;

namespace pmtuguard {

struct Event {
	std::chrono::system_clock::time_point time;
	std::string interface;
	unsigned vlan_id = 0;
	pg_event_kind kind = PG_EVENT_PTB_SENT;
	pg_event_action action = PG_EVENT_ACTION_SEEN;
	std::string reason; // the counter the outcome incremented
	Ipv6Address source{}, destination{};
	unsigned packet_len = 0;
	unsigned mtu = 0;
};

// realtime_offset_ns turns the record's CLOCK_MONOTONIC stamp into wall time.
Event decode_event(const pg_event &raw, int64_t realtime_offset_ns);
int64_t monotonic_to_realtime_offset_ns();

const char *event_kind_name(pg_event_kind kind);
const char *event_action_name(pg_event_action action);
nlohmann::json event_json(const Event &e);
std::string event_text(const Event &e);

// What the datapath did not show: from the same counters as `stats`.
struct EventLoss {
	uint64_t lost = 0;        // ring full
	uint64_t sampled_out = 0; // over the per-CPU budget

	static EventLoss from(const StatsSnapshot &snap);
	EventLoss since(const EventLoss &start) const;
	bool operator==(const EventLoss &) const = default;
};
nlohmann::json loss_json(const EventLoss &loss);
std::string loss_text(const EventLoss &loss);

// A consumer of the pinned event ring. It also refills the datapath's
// per-CPU event budget while it reads (nothing is recorded without a reader).
// The ring has one read position, so two readers split the events between
// them.
class EventReader {
public:
	EventReader(const std::string &pin_dir, std::function<void(const Event &)> on_event);
	~EventReader();
	EventReader(const EventReader &) = delete;
	EventReader &operator=(const EventReader &) = delete;

	// Waits up to timeout_ms (at most one budget window), hands every
	// pending event to on_event.
	void poll(int timeout_ms);
	// Hands what is in the ring now to on_event, without waiting.
	void drain();

private:
	static int on_sample(void *ctx, void *data, size_t size);
	void refill_budget();
	std::function<void(const Event &)> on_event_;
	int map_fd_ = -1;
	int budget_fd_ = -1;
	ring_buffer *ring_ = nullptr;
	std::chrono::steady_clock::time_point refilled_;
};

} // namespace pmtuguard
