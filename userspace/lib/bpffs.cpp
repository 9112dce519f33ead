#include "lib/bpffs.h"

#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <linux/magic.h>

#include "lib/error.h"

namespace pmtuguard {

void require_root()
{
	if (geteuid() != 0)
		throw Error("must run as root (loading BPF programs needs CAP_BPF and CAP_NET_ADMIN)");
}

bool is_bpffs(const std::string &dir)
{
	struct statfs st {};
	return statfs(dir.c_str(), &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

namespace {

// Whether this process runs in a mount namespace its parent is not in, as
// `ip netns exec` arranges: what it mounts, nobody else sees, and it is
// gone when the process exits.
bool in_mount_namespace_of_its_own()
{
	std::error_code ec1, ec2;
	auto own = std::filesystem::read_symlink("/proc/self/ns/mnt", ec1);
	auto parent = std::filesystem::read_symlink("/proc/" + std::to_string(getppid()) + "/ns/mnt", ec2);
	return !ec1 && !ec2 && own != parent;
}

// dir, or the closest of its ancestors that exists.
std::string nearest_existing(std::filesystem::path dir)
{
	std::error_code ec;
	while (!std::filesystem::exists(dir, ec) && dir.has_relative_path())
		dir = dir.parent_path();
	return dir;
}

} // namespace

void ensure_bpffs(const std::string &dir)
{
	if (is_bpffs(dir))
		return;
	// Attaching would seem to work, but the pinned links - the attachment
	// itself - would go with that bpffs when pmtuguard exits. (A new
	// directory inside a bpffs needs no mount.)
	if (!is_bpffs(nearest_existing(dir)) && in_mount_namespace_of_its_own())
		throw Error("no bpffs at " + dir +
			    ", and one mounted now would vanish when pmtuguard exits (it runs in a mount namespace of its "
			    "own, as under ip netns exec): mount it first, outside: mount -t bpf bpf " + dir);
	std::error_code ec;
	std::filesystem::create_directories(dir, ec);
	if (ec)
		throw Error("cannot create pin directory " + dir + ": " + ec.message());
	if (is_bpffs(dir))
		return;
	if (mount("bpf", dir.c_str(), "bpf", 0, "mode=0700") != 0)
		throw Error(errno_message("no bpffs at " + dir + " and mounting one failed", errno));
}

} // namespace pmtuguard
