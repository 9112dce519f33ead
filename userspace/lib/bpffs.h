#pragma once
// The pin directory: where attach leaves programs' links and maps so that
// later invocations (mtu, stats, detach) find the same state.
#include <string>

namespace pmtuguard {

constexpr const char *kDefaultPinDir = "/sys/fs/bpf/pmtuguard";

void require_root();
bool is_bpffs(const std::string &dir);
// Makes dir exist on a bpffs, mounting one at dir when its parent is not one.
void ensure_bpffs(const std::string &dir);

} // namespace pmtuguard
