#include "lib/netlink.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>

#include "lib/error.h"

namespace pmtuguard {
namespace {

using Socket = std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)>;

// libmnl's iteration macros assign void * and do not compile as C++.
template <class F>
void for_each_attr(const nlmsghdr *nlh, size_t header_len, F &&f)
{
	const char *tail = static_cast<const char *>(mnl_nlmsg_get_payload_tail(nlh));
	for (auto *a = static_cast<const nlattr *>(mnl_nlmsg_get_payload_offset(nlh, header_len));
	     mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char *>(a))); a = mnl_attr_next(a))
		f(a);
}

template <class F>
void for_each_nested(const nlattr *nest, F &&f)
{
	const char *end = static_cast<const char *>(mnl_attr_get_payload(nest)) + mnl_attr_get_payload_len(nest);
	for (auto *a = static_cast<const nlattr *>(mnl_attr_get_payload(nest));
	     mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char *>(a))); a = mnl_attr_next(a))
		f(a);
}

Socket open_route_socket()
{
	Socket nl(mnl_socket_open(NETLINK_ROUTE), &mnl_socket_close);
	if (!nl)
		throw Error(errno_message("netlink socket", errno));
	if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
		throw Error(errno_message("netlink bind", errno));
	return nl;
}

// Sends one dump request (fill_request puts the family header and any
// attributes after the netlink header) and calls on_msg for every answer
// until NLMSG_DONE, or until on_msg returns false. With strict, the kernel
// applies the filters in the request (NETLINK_GET_STRICT_CHK). Returns 0, or
// the errno the kernel answered with.
int dump_request(uint16_t type, bool strict, const std::function<void(nlmsghdr *)> &fill_request,
		 const std::function<bool(const nlmsghdr *)> &on_msg)
{
	Socket nl = open_route_socket();
	int on = 1;
	if (strict && mnl_socket_setsockopt(nl.get(), NETLINK_GET_STRICT_CHK, &on, sizeof(on)) < 0)
		throw Error(errno_message("netlink strict checking", errno));
	std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
	nlmsghdr *nlh = mnl_nlmsg_put_header(buf.data());
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	const uint32_t seq = static_cast<uint32_t>(time(nullptr));
	nlh->nlmsg_seq = seq;
	fill_request(nlh);
	if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0)
		throw Error(errno_message("netlink send", errno));

	auto cb = [](const nlmsghdr *msg, void *data) -> int {
		return (*static_cast<const std::function<bool(const nlmsghdr *)> *>(data))(msg) ? MNL_CB_OK : MNL_CB_STOP;
	};
	unsigned portid = mnl_socket_get_portid(nl.get());
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
		if (n < 0)
			throw Error(errno_message("netlink receive", errno));
		int rc = mnl_cb_run(buf.data(), n, seq, portid, cb, const_cast<void *>(static_cast<const void *>(&on_msg)));
		if (rc == MNL_CB_ERROR)
			return errno;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

void dump(uint16_t type, uint8_t family, const std::function<void(const nlmsghdr *)> &on_msg)
{
	int err = dump_request(
		type, false,
		[&](nlmsghdr *nlh) {
			auto *gen = static_cast<rtgenmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
			gen->rtgen_family = family;
		},
		[&](const nlmsghdr *msg) {
			on_msg(msg);
			return true;
		});
	if (err)
		throw Error(errno_message("netlink dump", err));
}

// The IPv6 routes of one table; the kernel answers ENOENT when there is no
// such table.
int dump_ipv6_table(uint32_t table, const std::function<bool(const nlmsghdr *)> &on_route)
{
	return dump_request(
		RTM_GETROUTE, true,
		[&](nlmsghdr *nlh) {
			auto *rtm = static_cast<rtmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
			rtm->rtm_family = AF_INET6;
			rtm->rtm_table = static_cast<uint8_t>(table < 256 ? table : uint32_t{RT_TABLE_UNSPEC});
			mnl_attr_put_u32(nlh, RTA_TABLE, table);
		},
		on_route);
}

} // namespace

std::vector<InterfaceAddress> ipv6_addresses(int ifindex)
{
	std::vector<InterfaceAddress> out;
	dump(RTM_GETADDR, AF_INET6, [&](const nlmsghdr *nlh) {
		auto *ifa = static_cast<const ifaddrmsg *>(mnl_nlmsg_get_payload(nlh));
		if (ifa->ifa_family != AF_INET6 || static_cast<int>(ifa->ifa_index) != ifindex)
			return;
		InterfaceAddress a;
		a.prefix_len = ifa->ifa_prefixlen;
		a.scope = ifa->ifa_scope;
		a.flags = ifa->ifa_flags;
		bool have = false;
		for_each_attr(nlh, sizeof(*ifa), [&](const nlattr *attr) {
			switch (mnl_attr_get_type(attr)) {
			case IFA_ADDRESS:
				if (mnl_attr_get_payload_len(attr) == 16) {
					std::memcpy(a.addr.data(), mnl_attr_get_payload(attr), 16);
					have = true;
				}
				break;
			case IFA_FLAGS:
				a.flags = mnl_attr_get_u32(attr);
				break;
			}
		});
		if (have)
			out.push_back(a);
	});
	return out;
}

std::optional<Ipv6Address> ptb_source_address(int ifindex)
{
	std::optional<Ipv6Address> fallback;
	for (const auto &a : ipv6_addresses(ifindex)) {
		if (a.scope != RT_SCOPE_UNIVERSE)
			continue;
		if (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		if (!(a.flags & IFA_F_DEPRECATED))
			return a.addr;
		if (!fallback)
			fallback = a.addr;
	}
	return fallback;
}

std::vector<VlanChild> vlan_children(int ifindex)
{
	std::vector<VlanChild> out;
	dump(RTM_GETLINK, AF_UNSPEC, [&](const nlmsghdr *nlh) {
		auto *ifi = static_cast<const ifinfomsg *>(mnl_nlmsg_get_payload(nlh));
		int link = 0;
		bool is_vlan = false;
		unsigned vid = 0;
		for_each_attr(nlh, sizeof(*ifi), [&](const nlattr *attr) {
			if (mnl_attr_get_type(attr) == IFLA_LINK) {
				link = static_cast<int>(mnl_attr_get_u32(attr));
			} else if (mnl_attr_get_type(attr) == IFLA_LINKINFO) {
				for_each_nested(attr, [&](const nlattr *info) {
					if (mnl_attr_get_type(info) == IFLA_INFO_KIND)
						is_vlan = std::strcmp(mnl_attr_get_str(info), "vlan") == 0;
					else if (mnl_attr_get_type(info) == IFLA_INFO_DATA)
						for_each_nested(info, [&](const nlattr *data) {
							if (mnl_attr_get_type(data) == IFLA_VLAN_ID)
								vid = mnl_attr_get_u16(data);
						});
				});
			}
		});
		if (is_vlan && link == ifindex && ifi->ifi_index != ifindex)
			out.push_back({ifi->ifi_index, vid});
	});
	return out;
}

bool has_ethernet_header(int ifindex)
{
	std::optional<bool> ethernet;
	dump(RTM_GETLINK, AF_UNSPEC, [&](const nlmsghdr *nlh) {
		auto *ifi = static_cast<const ifinfomsg *>(mnl_nlmsg_get_payload(nlh));
		if (ifi->ifi_index == ifindex)
			ethernet = ifi->ifi_type == ARPHRD_ETHER;
	});
	if (!ethernet)
		throw Error("no interface with index " + std::to_string(ifindex));
	return *ethernet;
}

int interface_index(const std::string &name)
{
	unsigned idx = if_nametoindex(name.c_str());
	if (idx == 0)
		throw Error("unknown interface '" + name + "'");
	return static_cast<int>(idx);
}

int interface_index_or_zero(const std::string &name)
{
	return static_cast<int>(if_nametoindex(name.c_str()));
}

bool interface_exists(int ifindex)
{
	char buf[IF_NAMESIZE] = {};
	return if_indextoname(static_cast<unsigned>(ifindex), buf) != nullptr;
}

AddressMonitor::AddressMonitor() : nl_(mnl_socket_open(NETLINK_ROUTE))
{
	if (!nl_)
		throw Error(errno_message("netlink socket", errno));
	if (mnl_socket_bind(nl_, RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;
		mnl_socket_close(nl_);
		throw Error(errno_message("netlink subscription to IPv6 address changes", err));
	}
	int fd = mnl_socket_get_fd(nl_);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

AddressMonitor::~AddressMonitor()
{
	mnl_socket_close(nl_);
}

int AddressMonitor::fd() const
{
	return mnl_socket_get_fd(nl_);
}

bool AddressMonitor::changed()
{
	std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
	bool changed = false;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
		if (n < 0) {
			if (errno == ENOBUFS)
				changed = true;
			else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return changed;
			else
				throw Error(errno_message("netlink receive", errno));
			continue;
		}
		int len = static_cast<int>(n);
		for (auto *nlh = reinterpret_cast<const nlmsghdr *>(buf.data()); mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR)
				changed = true;
	}
}

std::string interface_name(int ifindex)
{
	char buf[IF_NAMESIZE] = {};
	if (!if_indextoname(static_cast<unsigned>(ifindex), buf))
		return "if" + std::to_string(ifindex);
	return buf;
}

bool table_has_routes(uint32_t table)
{
	bool found = false;
	int err = dump_ipv6_table(table, [&](const nlmsghdr *) {
		found = true;
		return false;
	});
	if (err == ENOENT)
		return false;
	if (err)
		throw Error(errno_message("cannot read routing table " + std::to_string(table), err));
	return found;
}

std::vector<Ipv6Address> local_addresses()
{
	std::vector<Ipv6Address> out;
	int err = dump_ipv6_table(RT_TABLE_LOCAL, [&](const nlmsghdr *nlh) {
		auto *rtm = static_cast<const rtmsg *>(mnl_nlmsg_get_payload(nlh));
		if (rtm->rtm_dst_len != 128 || (rtm->rtm_type != RTN_LOCAL && rtm->rtm_type != RTN_ANYCAST))
			return true;
		for_each_attr(nlh, sizeof(*rtm), [&](const nlattr *attr) {
			if (mnl_attr_get_type(attr) == RTA_DST && mnl_attr_get_payload_len(attr) == 16) {
				Ipv6Address a;
				std::memcpy(a.data(), mnl_attr_get_payload(attr), 16);
				out.push_back(a);
			}
		});
		return true;
	});
	if (err)
		throw Error(errno_message("cannot read the local routing table", err));
	return out;
}

std::vector<KernelRule> ipv6_rules()
{
	std::vector<KernelRule> out;
	dump(RTM_GETRULE, AF_INET6, [&](const nlmsghdr *nlh) {
		auto *hdr = static_cast<const fib_rule_hdr *>(mnl_nlmsg_get_payload(nlh));
		KernelRule r;
		r.from.len = hdr->src_len;
		r.table = hdr->table;
		auto unsupported = [&](const std::string &what) {
			if (r.unsupported.empty())
				r.unsupported = what;
		};
		if (hdr->action != FR_ACT_TO_TBL)
			unsupported("action is not a table lookup");
		if (hdr->flags & FIB_RULE_INVERT)
			unsupported("'not' (inverted) selector");
		if (hdr->dst_len)
			unsupported("destination selector");
		if (hdr->tos)
			unsupported("tos selector");
		for_each_attr(nlh, sizeof(*hdr), [&](const nlattr *attr) {
			switch (mnl_attr_get_type(attr)) {
			case FRA_PRIORITY: r.priority = mnl_attr_get_u32(attr); break;
			case FRA_TABLE: r.table = mnl_attr_get_u32(attr); break;
			case FRA_SRC:
				if (mnl_attr_get_payload_len(attr) == 16)
					std::memcpy(r.from.addr.data(), mnl_attr_get_payload(attr), 16);
				break;
			case FRA_IIFNAME: r.iif = mnl_attr_get_str(attr); break;
			case FRA_PROTOCOL: break; // who installed it: no selector
			case FRA_SUPPRESS_PREFIXLEN:
			case FRA_SUPPRESS_IFGROUP:
				// Always present; ~0 means unset.
				if (mnl_attr_get_u32(attr) != UINT32_MAX)
					unsupported("suppress_prefixlength/suppress_ifgroup");
				break;
			case FRA_FWMARK:
			case FRA_FWMASK:
				if (mnl_attr_get_u32(attr))
					unsupported("fwmark selector");
				break;
			case FRA_OIFNAME: unsupported("oif selector"); break;
			case FRA_L3MDEV: unsupported("l3mdev"); break;
			case FRA_UID_RANGE: unsupported("uidrange selector"); break;
			case FRA_IP_PROTO: unsupported("ipproto selector"); break;
			case FRA_SPORT_RANGE:
			case FRA_DPORT_RANGE: unsupported("port selector"); break;
			case FRA_TUN_ID: unsupported("tun_id selector"); break;
			case FRA_GOTO: unsupported("goto"); break;
			default: unsupported("selector (netlink attribute " + std::to_string(mnl_attr_get_type(attr)) + ")");
			}
		});
		out.push_back(std::move(r));
	});
	return out;
}

} // namespace pmtuguard
