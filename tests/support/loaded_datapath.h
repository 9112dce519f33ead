#pragma once
// The pmtuguard BPF object loaded without pinning anything, its maps holding
// what a fresh `attach` writes: what XdpDatapath (support/bpf_fixture.h) and
// SkbDatapath (support/skb_datapath.h) stand on.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "lib/maps.h"
#include "pmtuguard/abi.h"

struct pmtuguard_bpf;

namespace pmtuguard::test {

class LoadedDatapath {
public:
	// Only `programs` (their names in bpf/pmtuguard.bpf.c) are loaded: each
	// hook has verifier needs of its own. Throws on a name the object lacks.
	explicit LoadedDatapath(std::initializer_list<std::string_view> programs);
	~LoadedDatapath();
	LoadedDatapath(const LoadedDatapath &) = delete;
	LoadedDatapath &operator=(const LoadedDatapath &) = delete;

	pmtuguard_bpf &skel() const { return *skel_; }
	PinnedMaps &maps() const { return *maps_; }

	// As `pmtuguard attach IFACE --mode MODE [--observe]`: counters, the
	// configuration of the interface and its VLAN children (PTB source =
	// their global address), and the redirect port.
	void attach(int ifindex, pg_attach_mode mode, bool observe);
	// What attach writes for a VLAN device `child` with id vlan_id on
	// `parent`: tagged frames on parent belong to child.
	void attach_vlan(int parent, uint16_t vlan_id, int child, pg_attach_mode mode, bool observe);

private:
	pmtuguard_bpf *skel_ = nullptr;
	std::unique_ptr<PinnedMaps> maps_;
};

} // namespace pmtuguard::test
