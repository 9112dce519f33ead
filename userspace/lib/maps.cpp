#include "lib/maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/error.h"
#include "lib/netlink.h"

namespace pmtuguard {
namespace {

template <class Key>
std::vector<Key> map_keys(int map_fd)
{
	std::vector<Key> out;
	Key key{}, next{};
	const void *prev = nullptr;
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		out.push_back(next);
		key = next;
		prev = &key;
	}
	return out;
}

// A per-CPU entry's counters summed over the CPUs; zeros when absent.
template <class Value, size_t N>
std::array<uint64_t, N> sum_per_cpu(int map_fd, const void *key)
{
	std::vector<Value> per_cpu(libbpf_num_possible_cpus());
	std::array<uint64_t, N> sum{};
	if (bpf_map_lookup_elem(map_fd, key, per_cpu.data()) != 0)
		return sum;
	for (const auto &cpu : per_cpu)
		for (size_t i = 0; i < N; i++)
			sum[i] += cpu.c[i];
	return sum;
}

pg_rule_key rule_key(const Ipv6Prefix &from, int ifindex)
{
	pg_rule_key key{};
	key.prefixlen = from.len;
	key.ifindex = static_cast<uint32_t>(ifindex);
	std::memcpy(key.addr, from.addr.data(), 16);
	return key;
}

void mark_length(pg_rule_lengths &lengths, const SourceRule &rule)
{
	__u64 *words = rule.ifindex ? lengths.scoped : lengths.unscoped;
	words[rule.from.len / 64] |= __u64{1} << (rule.from.len % 64);
}

pg_rule_lengths rule_lengths(int map_fd)
{
	uint32_t zero = 0;
	pg_rule_lengths lengths{};
	if (bpf_map_lookup_elem(map_fd, &zero, &lengths) != 0)
		throw Error(errno_message("cannot read the prefix lengths of the source rules", errno));
	return lengths;
}

void write_rule_lengths(int map_fd, const pg_rule_lengths &lengths)
{
	uint32_t zero = 0;
	if (bpf_map_update_elem(map_fd, &zero, &lengths, BPF_ANY) != 0)
		throw Error(errno_message("cannot write the prefix lengths of the source rules", errno));
}

// flock() on a directory fd for the scope; nothing when fd < 0.
class DirLock {
public:
	explicit DirLock(int fd) : fd_(fd)
	{
		if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0)
			throw Error(errno_message("cannot lock the maps directory", errno));
	}
	~DirLock()
	{
		if (fd_ >= 0)
			flock(fd_, LOCK_UN);
	}
	DirLock(const DirLock &) = delete;
	DirLock &operator=(const DirLock &) = delete;

private:
	int fd_;
};

SourceRule rule_from_entry(const pg_rule_key &key, const pg_rule &value)
{
	SourceRule r;
	r.from.len = key.prefixlen;
	std::memcpy(r.from.addr.data(), key.addr, 16);
	r.ifindex = static_cast<int>(key.ifindex);
	r.table = value.table;
	return r;
}

} // namespace

std::string maps_dir(const std::string &pin_dir)
{
	return pin_dir + "/maps";
}

bool maps_pinned(const std::string &pin_dir)
{
	return access((maps_dir(pin_dir) + "/pg_counters").c_str(), F_OK) == 0;
}

PinnedMaps::PinnedMaps(const std::string &pin_dir)
{
	for (const char *name : kMapNames) {
		std::string path = maps_dir(pin_dir) + "/" + name;
		int map_fd = bpf_obj_get(path.c_str());
		if (map_fd < 0) {
			int err = errno;
			for (auto &[n, f] : fds_)
				close(f);
			if (err == ENOENT)
				throw Error("pmtuguard is not attached: no maps under " + maps_dir(pin_dir) +
					    " (run 'pmtuguard attach IFACE' first, or pass the --pin-dir it used)");
			throw Error(errno_message("cannot open pinned map " + path, err));
		}
		fds_.emplace_back(name, map_fd);
	}
	lock_fd_ = open(maps_dir(pin_dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

PinnedMaps::PinnedMaps(const bpf_object *obj)
{
	for (const char *name : kMapNames) {
		const bpf_map *map = bpf_object__find_map_by_name(obj, name);
		int map_fd = map ? fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0) : -1;
		if (map_fd < 0) {
			int err = map ? errno : ENOENT;
			for (auto &[n, f] : fds_)
				close(f);
			throw Error(errno_message(std::string("cannot use map ") + name + " of the loaded object", err));
		}
		fds_.emplace_back(name, map_fd);
	}
}

PinnedMaps::~PinnedMaps()
{
	for (auto &[name, f] : fds_)
		close(f);
	if (lock_fd_ >= 0)
		close(lock_fd_);
}

int PinnedMaps::fd(const char *name) const
{
	for (const auto &[n, f] : fds_)
		if (n == name)
			return f;
	throw Error(std::string("internal: map ") + name + " not open");
}

static pg_prefix_key to_key(const Ipv6Prefix &p)
{
	pg_prefix_key key{};
	key.prefixlen = p.len;
	std::memcpy(key.addr, p.addr.data(), 16);
	return key;
}

void PinnedMaps::mtu_add(const Ipv6Prefix &prefix, unsigned mtu)
{
	pg_prefix_key key = to_key(prefix);
	pg_mtu_policy value{mtu};
	if (bpf_map_update_elem(fd("pg_mtu_policy"), &key, &value, BPF_NOEXIST) != 0) {
		if (errno == EEXIST)
			throw Error("MTU policy for " + prefix.str() + " already exists (delete it first)");
		throw Error(errno_message("cannot add MTU policy for " + prefix.str(), errno));
	}
}

void PinnedMaps::mtu_set(const Ipv6Prefix &prefix, unsigned mtu)
{
	pg_prefix_key key = to_key(prefix);
	pg_mtu_policy value{mtu};
	if (bpf_map_update_elem(fd("pg_mtu_policy"), &key, &value, BPF_ANY) != 0)
		throw Error(errno_message("cannot set MTU policy for " + prefix.str(), errno));
}

void PinnedMaps::mtu_del(const Ipv6Prefix &prefix)
{
	pg_prefix_key key = to_key(prefix);
	if (bpf_map_delete_elem(fd("pg_mtu_policy"), &key) != 0) {
		if (errno == ENOENT)
			throw Error("no MTU policy for " + prefix.str());
		throw Error(errno_message("cannot delete MTU policy for " + prefix.str(), errno));
	}
}

std::vector<MtuPolicyEntry> PinnedMaps::mtu_list() const
{
	std::vector<MtuPolicyEntry> out;
	pg_prefix_key key{}, next{};
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd("pg_mtu_policy"), prev, &next) == 0) {
		pg_mtu_policy value{};
		if (bpf_map_lookup_elem(fd("pg_mtu_policy"), &next, &value) == 0) {
			MtuPolicyEntry e;
			e.prefix.len = next.prefixlen;
			std::memcpy(e.prefix.addr.data(), next.addr, 16);
			e.mtu = value.mtu;
			out.push_back(e);
		}
		key = next;
		prev = &key;
	}
	return out;
}

pg_settings PinnedMaps::settings() const
{
	uint32_t zero = 0;
	pg_settings s{};
	if (bpf_map_lookup_elem(fd("pg_settings"), &zero, &s) != 0)
		throw Error(errno_message("cannot read settings", errno));
	return s;
}

void PinnedMaps::set_settings(const pg_settings &s)
{
	uint32_t zero = 0;
	if (bpf_map_update_elem(fd("pg_settings"), &zero, &s, BPF_ANY) != 0)
		throw Error(errno_message("cannot write settings", errno));
}

std::optional<pg_iface_cfg> PinnedMaps::iface(uint32_t ifindex, uint16_t vlan_id) const
{
	pg_iface_key key{ifindex, vlan_id, 0};
	pg_iface_cfg cfg{};
	if (bpf_map_lookup_elem(fd("pg_ifaces"), &key, &cfg) != 0)
		return std::nullopt;
	return cfg;
}

std::vector<std::pair<pg_iface_key, pg_iface_cfg>> PinnedMaps::ifaces() const
{
	std::vector<std::pair<pg_iface_key, pg_iface_cfg>> out;
	pg_iface_key key{}, next{};
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd("pg_ifaces"), prev, &next) == 0) {
		pg_iface_cfg cfg{};
		if (bpf_map_lookup_elem(fd("pg_ifaces"), &next, &cfg) == 0)
			out.emplace_back(next, cfg);
		key = next;
		prev = &key;
	}
	return out;
}

void PinnedMaps::put_iface(uint32_t ifindex, uint16_t vlan_id, const pg_iface_cfg &cfg)
{
	pg_iface_key key{ifindex, vlan_id, 0};
	if (bpf_map_update_elem(fd("pg_ifaces"), &key, &cfg, BPF_ANY) != 0)
		throw Error(errno_message("cannot configure interface " + std::to_string(ifindex), errno));
}

void PinnedMaps::del_iface(uint32_t ifindex, uint16_t vlan_id)
{
	pg_iface_key key{ifindex, vlan_id, 0};
	bpf_map_delete_elem(fd("pg_ifaces"), &key);
}

void PinnedMaps::ensure_counters(uint32_t ifindex)
{
	std::vector<pg_counters> zero(libbpf_num_possible_cpus());
	if (bpf_map_update_elem(fd("pg_counters"), &ifindex, zero.data(), BPF_NOEXIST) != 0 && errno != EEXIST)
		throw Error(errno_message("cannot create counters for interface " + std::to_string(ifindex), errno));
}

void PinnedMaps::del_counters(uint32_t ifindex)
{
	bpf_map_delete_elem(fd("pg_counters"), &ifindex);
}

std::vector<uint32_t> PinnedMaps::counted_interfaces() const
{
	return map_keys<uint32_t>(fd("pg_counters"));
}

CounterValues PinnedMaps::counters(uint32_t ifindex) const
{
	return sum_per_cpu<pg_counters, PG_CNT_MAX>(fd("pg_counters"), &ifindex);
}

std::string SourceRule::selector() const
{
	return "from " + from.str() + (ifindex ? " iif " + interface_name(ifindex) : "");
}

std::string SourceRule::str() const
{
	return selector() + " table " + std::to_string(table);
}

void PinnedMaps::rule_add(const SourceRule &rule)
{
	pg_rule_key key = rule_key(rule.from, rule.ifindex);
	pg_rule value{rule.table};
	if (bpf_map_update_elem(fd("pg_source_rules"), &key, &value, BPF_NOEXIST) != 0) {
		int err = errno;
		if (err == EEXIST) {
			auto existing = this->rule(rule.from, rule.ifindex);
			throw Error("source rule " + (existing ? existing->str() : rule.str()) +
				    " already exists (delete it first)");
		}
		if (err == ENOSPC || err == E2BIG)
			throw Error("cannot add source rule " + rule.str() + ": all " +
				    std::to_string(PG_MAX_SOURCE_RULES) + " rules are in use");
		throw Error(errno_message("cannot add source rule " + rule.str(), err));
	}
	DirLock lock(lock_fd_);
	pg_rule_lengths lengths = rule_lengths(fd("pg_rule_lengths"));
	mark_length(lengths, rule);
	write_rule_lengths(fd("pg_rule_lengths"), lengths);
}

void PinnedMaps::rule_replace(const SourceRule &rule)
{
	pg_rule_key key = rule_key(rule.from, rule.ifindex);
	pg_rule value{rule.table};
	if (bpf_map_update_elem(fd("pg_source_rules"), &key, &value, BPF_EXIST) != 0) {
		if (errno == ENOENT)
			throw Error("no source rule " + rule.selector());
		throw Error(errno_message("cannot change source rule " + rule.str(), errno));
	}
}

void PinnedMaps::prune_rule_lengths()
{
	DirLock lock(lock_fd_);
	pg_rule_lengths lengths{};
	for (const auto &r : rules())
		mark_length(lengths, r);
	write_rule_lengths(fd("pg_rule_lengths"), lengths);
}

void PinnedMaps::rule_del(const Ipv6Prefix &from, int ifindex)
{
	pg_rule_key key = rule_key(from, ifindex);
	if (bpf_map_delete_elem(fd("pg_source_rules"), &key) != 0) {
		std::string what = SourceRule{from, ifindex, 0}.selector();
		if (errno == ENOENT)
			throw Error("no source rule " + what);
		throw Error(errno_message("cannot delete source rule " + what, errno));
	}
}

std::optional<SourceRule> PinnedMaps::rule(const Ipv6Prefix &from, int ifindex) const
{
	pg_rule_key key = rule_key(from, ifindex);
	pg_rule value{};
	if (bpf_map_lookup_elem(fd("pg_source_rules"), &key, &value) != 0)
		return std::nullopt;
	return rule_from_entry(key, value);
}

std::vector<SourceRule> PinnedMaps::rules() const
{
	std::vector<SourceRule> out;
	for (const auto &key : map_keys<pg_rule_key>(fd("pg_source_rules"))) {
		pg_rule value{};
		if (bpf_map_lookup_elem(fd("pg_source_rules"), &key, &value) == 0)
			out.push_back(rule_from_entry(key, value));
	}
	return out;
}

void PinnedMaps::ensure_table_counters(uint32_t table)
{
	std::vector<pg_table_counters> zero(libbpf_num_possible_cpus());
	if (bpf_map_update_elem(fd("pg_table_counters"), &table, zero.data(), BPF_NOEXIST) != 0 && errno != EEXIST) {
		if (errno == E2BIG || errno == ENOSPC)
			throw Error("cannot count table " + std::to_string(table) + ": rules already use " +
				    std::to_string(PG_MAX_TABLES) + " tables");
		throw Error(errno_message("cannot create counters for table " + std::to_string(table), errno));
	}
}

void PinnedMaps::del_table_counters(uint32_t table)
{
	bpf_map_delete_elem(fd("pg_table_counters"), &table);
}

std::vector<uint32_t> PinnedMaps::counted_tables() const
{
	return map_keys<uint32_t>(fd("pg_table_counters"));
}

TableCounterValues PinnedMaps::table_counters(uint32_t table) const
{
	return sum_per_cpu<pg_table_counters, PG_TCNT_MAX>(fd("pg_table_counters"), &table);
}

void PinnedMaps::set_local_addresses(const std::vector<Ipv6Address> &addrs)
{
	// New ones first, stale ones after: an address that stays is never missing.
	uint8_t present = 1;
	for (const auto &a : addrs)
		if (bpf_map_update_elem(fd("pg_local_addrs"), a.data(), &present, BPF_ANY) != 0)
			throw Error(errno_message("cannot record local address " + format_ipv6_address(a), errno));
	for (const auto &key : map_keys<pg_addr_key>(fd("pg_local_addrs"))) {
		bool keep = false;
		for (const auto &a : addrs)
			keep = keep || std::memcmp(a.data(), key.addr, 16) == 0;
		if (!keep)
			bpf_map_delete_elem(fd("pg_local_addrs"), &key);
	}
}

void PinnedMaps::add_tx_port(uint32_t ifindex)
{
	bpf_devmap_val val{};
	val.ifindex = ifindex;
	if (bpf_map_update_elem(fd("pg_tx_ports"), &ifindex, &val, BPF_ANY) != 0)
		throw Error(errno_message("cannot add interface " + std::to_string(ifindex) + " to the redirect map", errno));
}

void PinnedMaps::del_tx_port(uint32_t ifindex)
{
	bpf_map_delete_elem(fd("pg_tx_ports"), &ifindex);
}

} // namespace pmtuguard
