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

void ensure_bpffs(const std::string &dir)
{
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
