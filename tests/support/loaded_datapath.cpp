#include "support/loaded_datapath.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "lib/datapath.h"
#include "pmtuguard_bpf.skel.h"

namespace pmtuguard::test {
namespace {

void autoload_only(bpf_object *obj, std::initializer_list<std::string_view> programs)
{
	for (std::string_view name : programs)
		if (!bpf_object__find_program_by_name(obj, std::string(name).c_str()))
			throw std::runtime_error("the pmtuguard BPF object has no program " + std::string(name));
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, std::ranges::find(programs, std::string_view(bpf_program__name(prog))) != programs.end());
}

AttachOptions attach_options(pg_attach_mode mode, bool observe)
{
	AttachOptions opts;
	opts.mode = mode;
	opts.observe = observe;
	return opts;
}

} // namespace

LoadedDatapath::LoadedDatapath(std::initializer_list<std::string_view> programs)
{
	skel_ = pmtuguard_bpf__open();
	if (!skel_)
		throw std::runtime_error(std::string("cannot open the pmtuguard BPF object: ") + std::strerror(errno));
	try {
		autoload_only(skel_->obj, programs);
		if (int err = pmtuguard_bpf__load(skel_))
			throw std::runtime_error(std::string("cannot load the pmtuguard BPF programs: ") + std::strerror(-err));
		maps_ = std::make_unique<PinnedMaps>(skel_->obj);
		maps_->set_settings(default_settings());
	} catch (...) {
		pmtuguard_bpf__destroy(skel_);
		throw;
	}
}

LoadedDatapath::~LoadedDatapath()
{
	maps_.reset();
	pmtuguard_bpf__destroy(skel_);
}

void LoadedDatapath::attach(int ifindex, pg_attach_mode mode, bool observe)
{
	configure_interface(*maps_, ifindex, attach_options(mode, observe));
}

void LoadedDatapath::attach_vlan(int parent, uint16_t vlan_id, int child, pg_attach_mode mode, bool observe)
{
	maps_->put_iface(static_cast<uint32_t>(parent), vlan_id, interface_config(child, attach_options(mode, observe)));
}

} // namespace pmtuguard::test
