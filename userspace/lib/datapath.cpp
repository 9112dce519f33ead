#include "lib/datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "lib/bpffs.h"
#include "lib/error.h"
#include "lib/maps.h"
#include "lib/netlink.h"
#include "lib/rules.h"
#include "pmtuguard_bpf.skel.h"

namespace fs = std::filesystem;

namespace pmtuguard {
namespace {

// Not in the 6.1 UAPI headers Debian 12 ships; values from the kernel's BTF.
constexpr auto kAttachTcxIngress = static_cast<bpf_attach_type>(46);
constexpr auto kAttachTcxEgress = static_cast<bpf_attach_type>(47);

struct SkeletonDeleter {
	void operator()(pmtuguard_bpf *s) const { pmtuguard_bpf__destroy(s); }
};
using Skeleton = std::unique_ptr<pmtuguard_bpf, SkeletonDeleter>;

// Opens and loads the object with every map pinned under maps/: libbpf reuses
// maps already pinned there (counters survive) and pins the ones it creates.
Skeleton load_skeleton(const std::string &pin_dir)
{
	Skeleton skel(pmtuguard_bpf__open());
	if (!skel)
		throw Error(errno_message("cannot open the BPF object", errno));
	bpf_map *map;
	bpf_object__for_each_map(map, skel->obj) {
		// .rodata and friends hold no state, and bpffs refuses names with a dot.
		if (bpf_map__is_internal(map))
			continue;
		std::string path = maps_dir(pin_dir) + "/" + bpf_map__name(map);
		if (bpf_map__set_pin_path(map, path.c_str()) != 0)
			throw Error("cannot set pin path " + path);
		// The kernel adds BPF_F_RDONLY_PROG to every devmap it creates (and
		// refuses it from us at creation), while libbpf 1.1 reuses a pinned
		// map only if the flags match exactly: claim it only to reuse one.
		auto type = bpf_map__type(map);
		std::error_code ec;
		if ((type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH) && fs::exists(path, ec))
			bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_RDONLY_PROG);
	}
	int err = pmtuguard_bpf__load(skel.get());
	if (err)
		throw Error(errno_message("cannot load the BPF programs (pinned maps from an older version? run "
					  "'pmtuguard detach --all')",
					  err));
	return skel;
}

std::string link_file(Hook hook)
{
	return hook_name(hook);
}

// Rollback log: every step of an attach registers its undo; an exception
// runs them in reverse, success forgets them.
class Undo {
public:
	~Undo()
	{
		for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
			try {
				(*it)();
			} catch (...) {
			}
		}
	}
	void add(std::function<void()> step) { steps_.push_back(std::move(step)); }
	void commit() { steps_.clear(); }

private:
	std::vector<std::function<void()>> steps_;
};

pg_iface_cfg iface_config(int fib_ifindex, const AttachOptions &opts)
{
	pg_iface_cfg cfg{};
	cfg.fib_ifindex = static_cast<uint32_t>(fib_ifindex);
	cfg.mode = opts.mode;
	if (opts.observe)
		cfg.flags |= PG_IFACE_OBSERVE;
	if (opts.clamp_mss)
		cfg.flags |= PG_IFACE_CLAMP_MSS;
	if (!has_ethernet_header(fib_ifindex))
		cfg.flags |= PG_IFACE_NO_LINK_HEADER;
	if (auto src = ptb_source_address(fib_ifindex)) {
		std::memcpy(cfg.ptb_source, src->data(), 16);
		cfg.flags |= PG_IFACE_HAS_SOURCE;
	}
	return cfg;
}

// Writes the untagged entry and one per VLAN child, then drops entries of
// VLANs that are gone; entries are replaced, never absent, so traffic never
// meets a gap.
void write_iface_configs(PinnedMaps &maps, int ifindex, const AttachOptions &opts)
{
	std::vector<uint16_t> vlans{0};
	maps.put_iface(ifindex, 0, iface_config(ifindex, opts));
	for (const auto &child : vlan_children(ifindex)) {
		vlans.push_back(static_cast<uint16_t>(child.vlan_id));
		maps.put_iface(ifindex, vlans.back(), iface_config(child.ifindex, opts));
	}
	for (const auto &[key, cfg] : maps.ifaces())
		if (key.ifindex == static_cast<uint32_t>(ifindex) &&
		    std::find(vlans.begin(), vlans.end(), key.vlan_id) == vlans.end())
			maps.del_iface(key.ifindex, key.vlan_id);
}

void remove_iface_state(PinnedMaps &maps, uint32_t ifindex)
{
	for (const auto &[key, cfg] : maps.ifaces())
		if (key.ifindex == ifindex)
			maps.del_iface(key.ifindex, key.vlan_id);
	maps.del_counters(ifindex);
	maps.del_tx_port(ifindex);
}

} // namespace

pg_settings default_settings()
{
	pg_settings s{};
	s.source_prefix_len = PG_DEFAULT_SOURCE_PREFIX_LEN;
	s.source_rate = PG_DEFAULT_SOURCE_RATE;
	s.source_burst = PG_DEFAULT_SOURCE_BURST;
	s.global_rate = PG_DEFAULT_GLOBAL_RATE;
	s.global_burst = PG_DEFAULT_GLOBAL_BURST;
	return s;
}

pg_iface_cfg interface_config(int fib_ifindex, const AttachOptions &opts)
{
	return iface_config(fib_ifindex, opts);
}

void configure_interface(PinnedMaps &maps, int ifindex, const AttachOptions &opts)
{
	maps.ensure_counters(ifindex);
	write_iface_configs(maps, ifindex, opts);
	if (opts.mode != PG_MODE_TC)
		maps.add_tx_port(ifindex);
}

const char *mode_name(pg_attach_mode mode)
{
	switch (mode) {
	case PG_MODE_NATIVE: return "native";
	case PG_MODE_GENERIC: return "generic";
	case PG_MODE_TC: return "tc";
	}
	return "unknown";
}

pg_attach_mode parse_mode(const std::string &text)
{
	if (text == "native")
		return PG_MODE_NATIVE;
	if (text == "generic" || text == "skb")
		return PG_MODE_GENERIC;
	if (text == "tc")
		return PG_MODE_TC;
	throw Error("invalid mode '" + text + "': expected native, generic or tc");
}

const char *hook_name(Hook hook)
{
	switch (hook) {
	case Hook::Xdp: return "xdp";
	case Hook::TcIngress: return "tc_ingress";
	case Hook::TcEgress: return "tc_egress";
	case Hook::TcHandoff: return "tc_handoff";
	}
	return "unknown";
}

std::string Datapath::links_dir() const
{
	return pin_dir_ + "/links";
}

bool Datapath::attached(const std::string &interface) const
{
	std::error_code ec;
	return fs::is_directory(links_dir() + "/" + interface, ec);
}

void Datapath::attach(const AttachOptions &opts)
{
	require_root();
	if (opts.interfaces.empty())
		throw Error("no interface given");
	std::map<std::string, int> ifindexes;
	for (const auto &name : opts.interfaces) {
		if (ifindexes.count(name))
			throw Error("interface '" + name + "' given twice");
		ifindexes[name] = interface_index(name);
		if (attached(name))
			throw Error("interface '" + name + "' is already attached (detach it first)");
		// The XDP programs parse Ethernet; the skb path reads bare IP too.
		if (opts.mode != PG_MODE_TC && !has_ethernet_header(ifindexes[name]))
			throw Error("interface '" + name + "' carries no Ethernet header (a tunnel): attach it with --mode tc");
	}

	Undo undo;
	bool mounted_here = false;
	{
		std::error_code ec;
		bool existed = fs::exists(pin_dir_, ec);
		bool was_bpffs = existed && is_bpffs(pin_dir_);
		ensure_bpffs(pin_dir_);
		mounted_here = !was_bpffs && !is_bpffs(fs::path(pin_dir_).parent_path());
		if (!existed || mounted_here) {
			std::string dir = pin_dir_;
			undo.add([dir, mounted_here] {
				if (mounted_here)
					umount2(dir.c_str(), MNT_DETACH);
				std::error_code e;
				fs::remove(dir, e);
			});
		}
	}
	std::error_code ec;
	bool fresh_maps = !fs::exists(maps_dir(pin_dir_) + "/pg_counters", ec);
	if (fresh_maps) {
		std::string dir = maps_dir(pin_dir_);
		undo.add([dir] {
			std::error_code e;
			fs::remove_all(dir, e);
		});
	}
	if (!fs::exists(links_dir(), ec)) {
		// Runs after the interfaces' undo steps; removes the directory only if empty.
		undo.add([dir = links_dir()] {
			std::error_code e;
			fs::remove(dir, e);
		});
	}

	Skeleton skel = load_skeleton(pin_dir_);
	PinnedMaps maps(pin_dir_);
	if (fresh_maps)
		maps.set_settings(default_settings());
	sync_local_addresses(maps);

	for (const auto &name : opts.interfaces) {
		int ifindex = ifindexes[name];
		std::string dir = links_dir() + "/" + name;
		fs::create_directories(dir);
		undo.add([dir] {
			std::error_code e;
			fs::remove_all(dir, e);
		});
		// Opens the maps afresh: the undo runs after `maps` is destroyed.
		undo.add([pin_dir = pin_dir_, ifindex] {
			PinnedMaps pinned(pin_dir);
			remove_iface_state(pinned, ifindex);
		});
		configure_interface(maps, ifindex, opts);

		auto create_link = [&](Hook hook, int prog_fd, bpf_attach_type type, uint32_t flags) {
			LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = flags);
			int link_fd = bpf_link_create(prog_fd, ifindex, type, &lopts);
			if (link_fd < 0)
				throw Error(errno_message(std::string("cannot attach ") + hook_name(hook) + " to " + name +
							  (opts.mode == PG_MODE_NATIVE && hook == Hook::Xdp
								   ? " (no native XDP? try --mode generic)"
								   : ""),
							  errno));
			std::string path = dir + "/" + link_file(hook);
			int rc = bpf_obj_pin(link_fd, path.c_str());
			int err = errno;
			close(link_fd); // the pin now holds the attachment
			if (rc != 0)
				throw Error(errno_message("cannot pin link " + path, err));
		};

		if (opts.mode == PG_MODE_TC) {
			create_link(Hook::TcIngress, bpf_program__fd(skel->progs.pmtuguard_tc_ingress), kAttachTcxIngress, 0);
		} else {
			uint32_t flags = opts.mode == PG_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
			// Before XDP, which may hand it packets from its first one on.
			create_link(Hook::TcHandoff, bpf_program__fd(skel->progs.pmtuguard_tc_handoff), kAttachTcxIngress, 0);
			create_link(Hook::Xdp, bpf_program__fd(skel->progs.pmtuguard_xdp), BPF_XDP, flags);
		}
		if (opts.egress)
			create_link(Hook::TcEgress, bpf_program__fd(skel->progs.pmtuguard_tc_egress), kAttachTcxEgress, 0);
	}
	undo.commit();
}

void Datapath::detach(const std::vector<std::string> &interfaces)
{
	require_root();
	for (const auto &name : interfaces)
		if (!attached(name))
			throw Error("interface '" + name + "' is not attached");
	PinnedMaps maps(pin_dir_);
	for (const auto &name : interfaces) {
		std::error_code ec;
		fs::remove_all(links_dir() + "/" + name, ec); // unpinning the last reference detaches
		if (ec)
			throw Error("cannot remove the links of '" + name + "': " + ec.message());
		if (int ifindex = interface_index_or_zero(name))
			remove_iface_state(maps, ifindex);
	}
	// Interfaces deleted while attached leave entries no name reaches.
	for (uint32_t ifindex : maps.counted_interfaces())
		if (!interface_exists(static_cast<int>(ifindex)))
			remove_iface_state(maps, ifindex);
}

void Datapath::detach_all()
{
	require_root();
	std::error_code ec;
	// Not "is the pin dir empty": a fresh bpffs already holds the kernel's
	// maps.debug and progs.debug.
	if (!fs::exists(links_dir(), ec) && !fs::exists(maps_dir(pin_dir_), ec))
		throw Error("nothing is attached under " + pin_dir_);
	fs::remove_all(links_dir(), ec);
	fs::remove_all(maps_dir(pin_dir_), ec);
	if (ec)
		throw Error("cannot remove " + pin_dir_ + ": " + ec.message());
	// A bpffs we mounted on the pin dir itself goes too.
	if (is_bpffs(pin_dir_) && !is_bpffs(fs::path(pin_dir_).parent_path()))
		umount2(pin_dir_.c_str(), MNT_DETACH);
	fs::remove(pin_dir_, ec);
}

std::vector<Attachment> Datapath::attachments() const
{
	std::vector<Attachment> out;
	std::error_code ec;
	if (!fs::is_directory(links_dir(), ec))
		return out;
	std::unique_ptr<PinnedMaps> maps;
	try {
		maps = std::make_unique<PinnedMaps>(pin_dir_);
	} catch (const Error &) {
	}
	for (const auto &iface_dir : fs::directory_iterator(links_dir(), ec)) {
		for (const auto &link : fs::directory_iterator(iface_dir.path(), ec)) {
			Attachment a;
			a.interface = iface_dir.path().filename();
			std::string file = link.path().filename();
			for (Hook h : {Hook::Xdp, Hook::TcIngress, Hook::TcEgress, Hook::TcHandoff})
				if (file == hook_name(h))
					a.hook = h;
			a.ifindex = interface_index_or_zero(a.interface);
			int fd = bpf_obj_get(link.path().c_str());
			if (fd >= 0) {
				bpf_link_info info{};
				uint32_t len = sizeof(info);
				if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
					a.prog_id = info.prog_id;
					a.link_id = info.id;
				}
				close(fd);
			}
			if (maps && a.ifindex) {
				if (auto cfg = maps->iface(a.ifindex, 0)) {
					a.mode = static_cast<pg_attach_mode>(cfg->mode);
					a.observe = cfg->flags & PG_IFACE_OBSERVE;
					a.clamp_mss = cfg->flags & PG_IFACE_CLAMP_MSS;
					if (cfg->flags & PG_IFACE_HAS_SOURCE) {
						Ipv6Address addr;
						std::memcpy(addr.data(), cfg->ptb_source, 16);
						a.ptb_source = format_ipv6_address(addr);
					}
				}
			}
			out.push_back(a);
		}
	}
	return out;
}

void Datapath::reconfigure(const AttachOptions &opts)
{
	require_root();
	for (const auto &name : opts.interfaces)
		if (!attached(name))
			throw Error("interface '" + name + "' is not attached");
	PinnedMaps maps(pin_dir_);
	for (const auto &name : opts.interfaces)
		write_iface_configs(maps, interface_index(name), opts);
}

void Datapath::refresh_interfaces()
{
	PinnedMaps maps(pin_dir_);
	for (const auto &a : attachments()) {
		if (!a.ifindex || a.hook == Hook::TcEgress || a.hook == Hook::TcHandoff)
			continue;
		auto cfg = maps.iface(a.ifindex, 0);
		if (!cfg)
			continue;
		AttachOptions opts;
		opts.mode = static_cast<pg_attach_mode>(cfg->mode);
		opts.observe = cfg->flags & PG_IFACE_OBSERVE;
		opts.clamp_mss = cfg->flags & PG_IFACE_CLAMP_MSS;
		write_iface_configs(maps, a.ifindex, opts);
	}
	sync_local_addresses(maps);
}

} // namespace pmtuguard
