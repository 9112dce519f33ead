#include "support/skb_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "lib/datapath.h"
#include "pmtuguard_bpf.skel.h"

namespace pmtuguard::test {

std::string tc_action_name(int action)
{
	switch (action) {
	case TC_ACT_OK: return "TC_ACT_OK";
	case TC_ACT_SHOT: return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
	}
	return "action " + std::to_string(action);
}

SkbDatapath::SkbDatapath()
{
	skel_ = pmtuguard_bpf__open();
	if (!skel_)
		throw std::runtime_error(std::string("cannot open the pmtuguard BPF object: ") + std::strerror(errno));
	try {
		bpf_program *prog;
		bpf_object__for_each_program(prog, skel_->obj)
			bpf_program__set_autoload(prog, prog == skel_->progs.pmtuguard_tc_ingress ||
								prog == skel_->progs.pmtuguard_tc_egress);
		if (int err = pmtuguard_bpf__load(skel_))
			throw std::runtime_error(std::string("cannot load the pmtuguard tc programs: ") + std::strerror(-err));
		maps_ = std::make_unique<PinnedMaps>(skel_->obj);
		maps_->set_settings(default_settings());
	} catch (...) {
		pmtuguard_bpf__destroy(skel_);
		throw;
	}
}

SkbDatapath::~SkbDatapath()
{
	maps_.reset();
	pmtuguard_bpf__destroy(skel_);
}

namespace {
AttachOptions tc_attach(bool observe)
{
	AttachOptions opts;
	opts.mode = PG_MODE_TC;
	opts.observe = observe;
	return opts;
}
} // namespace

void SkbDatapath::attach(int ifindex, bool observe)
{
	configure_interface(*maps_, ifindex, tc_attach(observe));
}

void SkbDatapath::attach_vlan(int parent, uint16_t vlan_id, int child, bool observe)
{
	maps_->put_iface(static_cast<uint32_t>(parent), vlan_id, interface_config(child, tc_attach(observe)));
}

bool SkbDatapath::test_run_accepts(std::span<const uint8_t> frame)
{
	constexpr size_t kEth = 14;
	if (frame.size() < kEth)
		return false;
	uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
	if (type == 0x86dd)
		return frame.size() >= kEth + 40;
	if (type == 0x0800)
		return frame.size() >= kEth + 20;
	return true;
}

SkbResult SkbDatapath::run(SkbProgram program, std::span<const uint8_t> frame, int ifindex, SkbGso gso)
{
	bpf_program *prog = program == SkbProgram::Ingress ? skel_->progs.pmtuguard_tc_ingress
							   : skel_->progs.pmtuguard_tc_egress;
	// Room for anything the program may grow the frame to.
	Bytes out(frame.size() + 512);
	__sk_buff ctx{};
	ctx.ifindex = static_cast<uint32_t>(ifindex);
	ctx.gso_size = gso.size;
	ctx.gso_segs = gso.segs;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
		    .data_size_in = static_cast<uint32_t>(frame.size()), .data_size_out = static_cast<uint32_t>(out.size()),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0)
		throw std::runtime_error("BPF_PROG_TEST_RUN (tc) failed on a " + std::to_string(frame.size()) + "-byte frame: " + std::strerror(errno));
	out.resize(opts.data_size_out);
	return {static_cast<int>(opts.retval), std::move(out)};
}

} // namespace pmtuguard::test
