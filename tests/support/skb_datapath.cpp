#include "support/skb_datapath.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <string>

#include "pmtuguard_bpf.skel.h"
#include "support/test_run.h"

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

SkbDatapath::SkbDatapath() : loaded_({"pmtuguard_tc_ingress", "pmtuguard_tc_egress"}) {}

SkbDatapath::~SkbDatapath() = default;

void SkbDatapath::attach(int ifindex, bool observe)
{
	loaded_.attach(ifindex, PG_MODE_TC, observe);
}

void SkbDatapath::attach_vlan(int parent, uint16_t vlan_id, int child, bool observe)
{
	loaded_.attach_vlan(parent, vlan_id, child, PG_MODE_TC, observe);
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
	const auto &progs = loaded_.skel().progs;
	bpf_program *prog = program == SkbProgram::Ingress ? progs.pmtuguard_tc_ingress : progs.pmtuguard_tc_egress;
	__sk_buff ctx{};
	ctx.ifindex = static_cast<uint32_t>(ifindex);
	ctx.gso_size = gso.size;
	ctx.gso_segs = gso.segs;
	TestRunResult r = test_run(bpf_program__fd(prog), frame, &ctx, sizeof(ctx));
	return {r.retval, std::move(r.frame)};
}

} // namespace pmtuguard::test
