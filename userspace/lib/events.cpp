#include "lib/events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "lib/counters.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/netlink.h"

namespace pmtuguard {
namespace {

int64_t clock_ns(clockid_t clock)
{
	timespec ts{};
	clock_gettime(clock, &ts);
	return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string iso_time(std::chrono::system_clock::time_point t)
{
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
	time_t secs = static_cast<time_t>(us / 1000000);
	tm utc{};
	gmtime_r(&secs, &utc);
	char buf[64];
	size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &utc);
	std::snprintf(buf + n, sizeof(buf) - n, ".%06lldZ", static_cast<long long>(us % 1000000));
	return buf;
}

std::string counter_name(uint32_t id)
{
	auto infos = counter_infos();
	return id < infos.size() ? std::string(infos[id].name) : "counter_" + std::to_string(id);
}

int open_pinned(const std::string &path, const char *what)
{
	int fd = bpf_obj_get(path.c_str());
	if (fd < 0) {
		if (errno == ENOENT)
			throw Error(std::string("no ") + what + " at " + path + " (is pmtuguard attached with this --pin-dir?)");
		throw Error(errno_message(std::string("cannot open the ") + what + " " + path, errno));
	}
	return fd;
}

} // namespace

int64_t monotonic_to_realtime_offset_ns()
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

Event decode_event(const pg_event &raw, int64_t realtime_offset_ns)
{
	Event e;
	e.time = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
		std::chrono::nanoseconds(static_cast<int64_t>(raw.time_ns) + realtime_offset_ns)));
	e.interface = interface_name(static_cast<int>(raw.ifindex));
	e.vlan_id = raw.vlan_id;
	e.kind = static_cast<pg_event_kind>(raw.kind);
	e.action = static_cast<pg_event_action>(raw.action);
	e.reason = counter_name(raw.reason);
	std::memcpy(e.source.data(), raw.saddr, 16);
	std::memcpy(e.destination.data(), raw.daddr, 16);
	e.packet_len = raw.packet_len;
	e.mtu = raw.mtu;
	return e;
}

const char *event_kind_name(pg_event_kind kind)
{
	switch (kind) {
	case PG_EVENT_PTB_SENT: return "ptb_sent";
	case PG_EVENT_OVERSIZE_OBSERVED: return "oversize_observed";
	case PG_EVENT_PTB_SUPPRESSED: return "ptb_suppressed";
	case PG_EVENT_PTB_RECEIVED: return "ptb_received";
	}
	return "unknown";
}

const char *event_action_name(pg_event_action action)
{
	switch (action) {
	case PG_EVENT_ACTION_SEEN: return "seen";
	case PG_EVENT_ACTION_PASSED: return "passed";
	case PG_EVENT_ACTION_DROPPED: return "dropped";
	case PG_EVENT_ACTION_ANSWERED: return "answered";
	}
	return "unknown";
}

nlohmann::json event_json(const Event &e)
{
	return {{"time", iso_time(e.time)},
		{"kind", event_kind_name(e.kind)},
		{"interface", e.interface},
		{"vlan", e.vlan_id},
		{"source", format_ipv6_address(e.source)},
		{"destination", format_ipv6_address(e.destination)},
		{"packet_length", e.packet_len},
		{"mtu", e.mtu},
		{"action", event_action_name(e.action)},
		{"reason", e.reason}};
}

std::string event_text(const Event &e)
{
	std::string line = iso_time(e.time) + " " + e.interface + (e.vlan_id ? "." + std::to_string(e.vlan_id) : "") +
			   " " + event_kind_name(e.kind) + " " + format_ipv6_address(e.source) + " > " +
			   format_ipv6_address(e.destination) + " len " + std::to_string(e.packet_len) + " mtu " +
			   std::to_string(e.mtu) + " " + event_action_name(e.action);
	if (e.kind == PG_EVENT_PTB_SUPPRESSED)
		line += " (" + e.reason + ")";
	return line;
}

EventLoss EventLoss::from(const StatsSnapshot &snap)
{
	EventLoss loss;
	for (const auto &i : snap.interfaces) {
		loss.lost += i.counters[PG_CNT_EVENTS_LOST];
		loss.sampled_out += i.counters[PG_CNT_EVENTS_SAMPLED_OUT];
	}
	return loss;
}

EventLoss EventLoss::since(const EventLoss &start) const
{
	// Interfaces detached meanwhile take their counters with them.
	return {lost >= start.lost ? lost - start.lost : 0,
		sampled_out >= start.sampled_out ? sampled_out - start.sampled_out : 0};
}

nlohmann::json loss_json(const EventLoss &loss)
{
	return {{"kind", "not_shown"}, {"events_lost", loss.lost}, {"events_sampled_out", loss.sampled_out}};
}

std::string loss_text(const EventLoss &loss)
{
	return "-- not shown since start: " + std::to_string(loss.lost) + " events lost (ring full), " +
	       std::to_string(loss.sampled_out) + " over the sampling budget";
}

EventReader::EventReader(const std::string &pin_dir, std::function<void(const Event &)> on_event)
	: on_event_(std::move(on_event))
{
	std::string ring_path = maps_dir(pin_dir) + "/pg_events";
	map_fd_ = open_pinned(ring_path, "event ring");
	try {
		budget_fd_ = open_pinned(maps_dir(pin_dir) + "/pg_event_budget", "event budget");
	} catch (...) {
		close(map_fd_);
		throw;
	}
	ring_ = ring_buffer__new(map_fd_, &EventReader::on_sample, this, nullptr);
	if (!ring_) {
		int err = errno;
		close(budget_fd_);
		close(map_fd_);
		throw Error(errno_message("cannot map the event ring " + ring_path, err));
	}
	refill_budget();
}

EventReader::~EventReader()
{
	ring_buffer__free(ring_);
	close(budget_fd_);
	close(map_fd_);
}

// Sets every CPU's budget to a full window's worth, whatever it had left, so
// no CPU records more than PG_EVENT_BUDGET per window.
void EventReader::refill_budget()
{
	std::vector<pg_event_budget> full(libbpf_num_possible_cpus(), pg_event_budget{PG_EVENT_BUDGET, 0});
	uint32_t zero = 0;
	if (bpf_map_update_elem(budget_fd_, &zero, full.data(), BPF_ANY) != 0)
		throw Error(errno_message("cannot refill the event budget", errno));
	refilled_ = std::chrono::steady_clock::now();
}

int EventReader::on_sample(void *ctx, void *data, size_t size)
{
	auto *self = static_cast<EventReader *>(ctx);
	if (size < sizeof(pg_event))
		return 0;
	pg_event raw;
	std::memcpy(&raw, data, sizeof(raw));
	self->on_event_(decode_event(raw, monotonic_to_realtime_offset_ns()));
	return 0;
}

void EventReader::poll(int timeout_ms)
{
	constexpr auto window = std::chrono::milliseconds(PG_EVENT_WINDOW_MS);
	auto until_refill = std::chrono::duration_cast<std::chrono::milliseconds>(refilled_ + window -
										 std::chrono::steady_clock::now());
	int rc = ring_buffer__poll(ring_, std::clamp(static_cast<int>(until_refill.count()), 0, timeout_ms));
	if (rc < 0 && rc != -EINTR)
		throw Error(errno_message("reading the event ring", rc));
	if (std::chrono::steady_clock::now() >= refilled_ + window)
		refill_budget();
}

void EventReader::drain()
{
	int rc = ring_buffer__consume(ring_);
	if (rc < 0)
		throw Error(errno_message("reading the event ring", rc));
}

} // namespace pmtuguard
