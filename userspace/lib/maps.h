#pragma once
// Typed access to the pinned maps of a running datapath. Every command that
// changes state goes through here; nothing else touches a map fd.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/counters.h"
#include "lib/prefix.h"
#include "pmtuguard/abi.h"

struct bpf_object;

namespace pmtuguard {

// The maps of bpf/maps.h, by the names they are pinned under.
inline constexpr const char *kMapNames[] = {
	"pg_counters", "pg_ifaces", "pg_mtu_policy", "pg_settings",
	"pg_source_buckets", "pg_global_bucket", "pg_tx_ports",
	"pg_source_rules", "pg_rule_lengths", "pg_table_counters", "pg_local_addrs",
};

std::string maps_dir(const std::string &pin_dir);
// Whether a datapath has pinned its maps under pin_dir (attached at least once).
bool maps_pinned(const std::string &pin_dir);

struct MtuPolicyEntry {
	Ipv6Prefix prefix;
	unsigned mtu = 0;
};

// Packets from `from` arriving on ifindex (0: any interface) are routed in
// `table`. A rule is identified by (from, ifindex).
struct SourceRule {
	Ipv6Prefix from;
	int ifindex = 0;
	uint32_t table = 0;
	bool operator==(const SourceRule &) const = default;
	// "from 2001:db8::/64 iif eth1 table 200", as `rule list` shows it
	std::string str() const;
	// "from 2001:db8::/64 iif eth1": what identifies the rule
	std::string selector() const;
};

class PinnedMaps {
public:
	// Opens the maps pinned under pin_dir; throws when pmtuguard has not
	// been attached there.
	explicit PinnedMaps(const std::string &pin_dir);
	// The same maps of an object loaded without pins (BPF_PROG_TEST_RUN
	// fixtures, benchmarks). The fds are duplicates: either side may close first.
	explicit PinnedMaps(const bpf_object *obj);
	~PinnedMaps();
	PinnedMaps(const PinnedMaps &) = delete;
	PinnedMaps &operator=(const PinnedMaps &) = delete;

	void mtu_add(const Ipv6Prefix &prefix, unsigned mtu);  // fails if present
	void mtu_set(const Ipv6Prefix &prefix, unsigned mtu);  // add or replace
	void mtu_del(const Ipv6Prefix &prefix);                // fails if absent
	std::vector<MtuPolicyEntry> mtu_list() const;

	pg_settings settings() const;
	void set_settings(const pg_settings &s);

	std::optional<pg_iface_cfg> iface(uint32_t ifindex, uint16_t vlan_id) const;
	std::vector<std::pair<pg_iface_key, pg_iface_cfg>> ifaces() const;
	void put_iface(uint32_t ifindex, uint16_t vlan_id, const pg_iface_cfg &cfg);
	void del_iface(uint32_t ifindex, uint16_t vlan_id);

	// Creates a zeroed entry unless one exists (counters outlive a restart).
	void ensure_counters(uint32_t ifindex);
	void del_counters(uint32_t ifindex);
	std::vector<uint32_t> counted_interfaces() const;
	CounterValues counters(uint32_t ifindex) const; // summed over CPUs

	// Source rules. Each call changes one entry atomically, so a packet sees
	// the rule before or after the change, never a mixture. rule_add also
	// marks its prefix length as in use; rule_del leaves the mark (a length
	// without rules costs a lookup, never a wrong answer) until
	// prune_rule_lengths, so a batch of deletions prunes once.
	void rule_add(const SourceRule &rule);                 // fails if present
	void rule_del(const Ipv6Prefix &from, int ifindex);    // fails if absent
	void rule_replace(const SourceRule &rule);             // new table; fails if absent
	void prune_rule_lengths();
	std::optional<SourceRule> rule(const Ipv6Prefix &from, int ifindex) const;
	std::vector<SourceRule> rules() const;

	void ensure_table_counters(uint32_t table); // zeroed unless present
	void del_table_counters(uint32_t table);
	std::vector<uint32_t> counted_tables() const;
	TableCounterValues table_counters(uint32_t table) const; // summed over CPUs

	// Makes the set of the router's own addresses exactly addrs.
	void set_local_addresses(const std::vector<Ipv6Address> &addrs);

	void add_tx_port(uint32_t ifindex);
	void del_tx_port(uint32_t ifindex);

private:
	int fd(const char *name) const;
	std::vector<std::pair<std::string, int>> fds_;
	// The maps directory, flock()ed while the lengths in use are rewritten:
	// two commands at once must not lose each other's lengths. -1 for an
	// object loaded without pins (one process only).
	int lock_fd_ = -1;
};

} // namespace pmtuguard
