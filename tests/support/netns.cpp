#include "support/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "lib/netlink.h"

namespace pmtuguard::test {
namespace {

constexpr const char *kNetnsDir = "/run/netns";

std::string join(const std::vector<std::string> &argv)
{
	std::string s;
	for (const auto &a : argv)
		s += (s.empty() ? "" : " ") + a;
	return s;
}

std::runtime_error sys_error(const std::string &what)
{
	return std::runtime_error(what + ": " + std::strerror(errno));
}

// Namespaces named exactly <prefix>-<pid>-<n> whose pid is gone were left
// by a test binary that was killed before its destructors ran.
void remove_stale_namespaces(const std::string &prefix)
{
	const std::regex ours(prefix + "-([0-9]+)-[0-9]+");
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
		std::string name = entry.path().filename();
		std::smatch m;
		if (!std::regex_match(name, m, ours))
			continue;
		pid_t pid = static_cast<pid_t>(std::stol(m[1].str()));
		if (kill(pid, 0) != 0 && errno == ESRCH)
			run_command({"ip", "netns", "del", name});
	}
}

} // namespace

std::string run_command(const std::vector<std::string> &argv)
{
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) != 0)
		throw sys_error("pipe");
	pid_t pid = fork();
	if (pid < 0)
		throw sys_error("fork");
	if (pid == 0) {
		dup2(pipe_fds[1], STDOUT_FILENO);
		dup2(pipe_fds[1], STDERR_FILENO);
		std::vector<char *> args;
		for (const auto &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
	close(pipe_fds[1]);
	std::string output;
	char buf[4096];
	ssize_t n;
	while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			output.append(buf, static_cast<size_t>(n));
	close(pipe_fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		throw std::runtime_error("'" + join(argv) + "' failed: " + output);
	return output;
}

NetNs::NetNs(std::string_view prefix)
{
	static std::atomic<unsigned> sequence{0};
	std::string p(prefix);
	remove_stale_namespaces(p);
	name_ = p + "-" + std::to_string(getpid()) + "-" + std::to_string(sequence++);

	original_ns_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (original_ns_fd_ < 0)
		throw sys_error("open /proc/thread-self/ns/net");
	try {
		run_command({"ip", "netns", "add", name_});
	} catch (...) {
		close(original_ns_fd_);
		throw;
	}
	try {
		std::string path = std::string(kNetnsDir) + "/" + name_;
		int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			throw sys_error("open " + path);
		int rc = setns(fd, CLONE_NEWNET);
		close(fd);
		if (rc != 0)
			throw sys_error("setns " + name_);
		// "all" also sets "default", so devices created later forward too.
		sysctl("net.ipv6.conf.all.forwarding", "1");
		ip({"link", "set", "lo", "up"});
	} catch (...) {
		setns(original_ns_fd_, CLONE_NEWNET);
		close(original_ns_fd_);
		run_command({"ip", "netns", "del", name_});
		throw;
	}
}

NetNs::~NetNs()
{
	if (setns(original_ns_fd_, CLONE_NEWNET) != 0)
		std::fprintf(stderr, "NetNs: cannot return to the original namespace: %s\n", std::strerror(errno));
	close(original_ns_fd_);
	try {
		run_command({"ip", "netns", "del", name_});
	} catch (const std::exception &e) {
		std::fprintf(stderr, "NetNs: %s\n", e.what());
	}
}

std::string NetNs::ip(const std::vector<std::string> &args)
{
	std::vector<std::string> argv{"ip", "-n", name_};
	argv.insert(argv.end(), args.begin(), args.end());
	return run_command(argv);
}

int NetNs::add_veth(const std::string &name, const Mac &mac, unsigned mtu)
{
	std::string peer = name + "p";
	ip({"link", "add", name, "address", format_mac(mac), "mtu", std::to_string(mtu), "type", "veth", "peer", "name",
	    peer, "mtu", std::to_string(mtu)});
	ip({"link", "set", name, "up"});
	ip({"link", "set", peer, "up"});
	return ifindex(name);
}

int NetNs::add_dummy(const std::string &name, const Mac &mac, unsigned mtu)
{
	ip({"link", "add", name, "address", format_mac(mac), "mtu", std::to_string(mtu), "type", "dummy"});
	ip({"link", "set", name, "up"});
	return ifindex(name);
}

int NetNs::add_vlan(const std::string &parent, uint16_t vlan_id, const std::string &name)
{
	ip({"link", "add", "link", parent, "name", name, "type", "vlan", "id", std::to_string(vlan_id)});
	ip({"link", "set", name, "up"});
	return ifindex(name);
}

void NetNs::set_mtu(const std::string &dev, unsigned mtu)
{
	ip({"link", "set", dev, "mtu", std::to_string(mtu)});
}

void NetNs::add_address(const std::string &dev, const std::string &cidr)
{
	ip({"-6", "addr", "add", cidr, "dev", dev, "nodad"});
}

void NetNs::add_neighbour(const std::string &dev, const std::string &addr, const Mac &mac)
{
	ip({"-6", "neigh", "replace", addr, "lladdr", format_mac(mac), "dev", dev, "nud", "permanent"});
}

void NetNs::add_route(const std::string &dst, const std::string &via, const std::string &dev, unsigned mtu_lock)
{
	std::vector<std::string> args{"-6", "route", "add", dst, "via", via, "dev", dev};
	if (mtu_lock) {
		args.insert(args.end(), {"mtu", "lock", std::to_string(mtu_lock)});
	}
	ip(args);
}

void NetNs::add_route_type(const std::string &type, const std::string &dst)
{
	ip({"-6", "route", "add", type, dst});
}

void NetNs::sysctl(const std::string &key, const std::string &value)
{
	// /proc/sys/net answers for the namespace of the thread that opens it.
	std::string path = "/proc/sys/" + key;
	std::replace(path.begin() + 10, path.end(), '.', '/');
	std::ofstream f(path);
	f << value << "\n";
	f.close();
	if (!f)
		throw std::runtime_error("cannot set " + key + " = " + value + " in " + name_);
}

int NetNs::ifindex(const std::string &dev) const
{
	return interface_index(dev);
}

} // namespace pmtuguard::test
