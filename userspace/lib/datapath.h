#pragma once
// Loading the BPF object, attaching it to interfaces and taking it off again.
// State lives in the pin directory: maps under maps/, one pinned bpf_link per
// attachment under links/, so separate invocations act on the same datapath.
#include <optional>
#include <string>
#include <vector>

#include "pmtuguard/abi.h"

namespace pmtuguard {

// TcHandoff runs next to XDP: it sends the packets a source rule routed
// that XDP hands to the kernel (bpf/forward.h).
enum class Hook { Xdp, TcIngress, TcEgress, TcHandoff };

struct AttachOptions {
	std::vector<std::string> interfaces;
	pg_attach_mode mode = PG_MODE_NATIVE;
	bool observe = false;
	bool clamp_mss = false;
	bool egress = false; // also enforce on packets leaving (tc egress), our own included
};

struct Attachment {
	std::string interface;
	int ifindex = 0;   // 0 when the interface is gone
	Hook hook = Hook::Xdp;
	pg_attach_mode mode = PG_MODE_NATIVE;
	bool observe = false;
	bool clamp_mss = false;
	unsigned prog_id = 0;
	unsigned link_id = 0;
	std::optional<std::string> ptb_source;
};

class PinnedMaps;

// What attach writes: the settings of fresh maps, and for each interface its
// counters, its configuration and its VLAN children's, and its redirect port.
pg_settings default_settings();
void configure_interface(PinnedMaps &maps, int ifindex, const AttachOptions &opts);
// The configuration for frames that belong to fib_ifindex (the interface, or
// a VLAN child of it): flags from opts, PTB source = its global address.
pg_iface_cfg interface_config(int fib_ifindex, const AttachOptions &opts);

const char *mode_name(pg_attach_mode mode);
pg_attach_mode parse_mode(const std::string &text);
const char *hook_name(Hook hook);

class Datapath {
public:
	explicit Datapath(std::string pin_dir) : pin_dir_(std::move(pin_dir)) {}

	// All interfaces or none: a failure on one undoes what this call did.
	void attach(const AttachOptions &opts);
	void detach(const std::vector<std::string> &interfaces);
	void detach_all();
	std::vector<Attachment> attachments() const;
	bool attached(const std::string &interface) const;

	// Rewrites the options of interfaces already attached in opts.mode (the
	// observe flag) in place: no detach, counters untouched.
	void reconfigure(const AttachOptions &opts);

	// Re-reads each attached interface's addresses and VLAN children into the
	// map; the daemon calls it when addresses change.
	void refresh_interfaces();

	const std::string &pin_dir() const { return pin_dir_; }

private:
	std::string links_dir() const;
	std::string pin_dir_;
};

} // namespace pmtuguard
