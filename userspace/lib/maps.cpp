#include "lib/maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/error.h"

namespace pmtuguard {

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
	std::vector<uint32_t> out;
	uint32_t key = 0, next = 0;
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd("pg_counters"), prev, &next) == 0) {
		out.push_back(next);
		key = next;
		prev = &key;
	}
	return out;
}

CounterValues PinnedMaps::counters(uint32_t ifindex) const
{
	std::vector<pg_counters> per_cpu(libbpf_num_possible_cpus());
	CounterValues sum{};
	if (bpf_map_lookup_elem(fd("pg_counters"), &ifindex, per_cpu.data()) != 0)
		return sum;
	for (const auto &cpu : per_cpu)
		for (size_t i = 0; i < sum.size(); i++)
			sum[i] += cpu.c[i];
	return sum;
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
