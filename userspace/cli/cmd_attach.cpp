// attach, detach, status.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "lib/datapath.h"
#include "lib/error.h"
#include "lib/maps.h"

namespace pmtuguard::cli {
namespace {

void print_status(const GlobalOptions &g)
{
	Datapath dp(g.pin_dir);
	auto atts = dp.attachments();
	size_t policies = 0;
	if (!atts.empty()) {
		PinnedMaps maps(g.pin_dir);
		policies = maps.mtu_list().size();
	}
	if (g.json) {
		nlohmann::json list = nlohmann::json::array();
		for (const auto &a : atts)
			list.push_back({{"interface", a.interface},
					{"ifindex", a.ifindex},
					{"hook", hook_name(a.hook)},
					{"mode", mode_name(a.mode)},
					{"observe", a.observe},
					{"clamp_mss", a.clamp_mss},
					{"prog_id", a.prog_id},
					{"link_id", a.link_id},
					{"ptb_source", a.ptb_source ? nlohmann::json(*a.ptb_source) : nlohmann::json()}});
		std::cout << nlohmann::json{{"pin_dir", g.pin_dir}, {"mtu_policies", policies}, {"attachments", list}}.dump()
			  << "\n";
		return;
	}
	if (atts.empty()) {
		std::cout << "nothing attached (pin dir " << g.pin_dir << ")\n";
		return;
	}
	std::cout << "pin dir " << g.pin_dir << ", " << policies << " MTU policies\n";
	for (const auto &a : atts) {
		std::cout << a.interface << ": " << hook_name(a.hook) << " " << mode_name(a.mode)
			  << (a.observe ? " observe" : "") << (a.clamp_mss ? " clamp-mss" : "") << " prog " << a.prog_id << " link " << a.link_id
			  << (a.ifindex ? "" : " (interface gone)") << " ptb-source "
			  << (a.ptb_source ? *a.ptb_source : "none (PTBs left to the kernel)") << "\n";
	}
}

} // namespace

void register_attach(CLI::App &app, GlobalOptions &g)
{
	auto opts = std::make_shared<AttachOptions>();
	auto mode = std::make_shared<std::string>("native");
	auto *attach = app.add_subcommand("attach", "attach the datapath to interfaces (all or none)");
	attach->add_option("interfaces", opts->interfaces, "interfaces")->required();
	attach->add_option("--mode", *mode, "native | generic | tc")->capture_default_str();
	attach->add_flag("--observe", opts->observe, "count everything, emit nothing, pass packets to the kernel");
	attach->add_flag("--egress", opts->egress,
			 "also enforce on packets leaving the interfaces (tc egress), this host's own included");
	attach->add_flag("--clamp-mss", opts->clamp_mss,
			 "lower the MSS of TCP SYN and SYN-ACK segments crossing the interfaces to the path MTU - 60");
	// One callback: CLI11's callback() and final_callback() set the same slot,
	// so a second one silently replaced the first (and --mode was ignored).
	attach->callback([&g, opts, mode] {
		opts->mode = parse_mode(*mode);
		Datapath(g.pin_dir).attach(*opts);
	});

	auto detach_ifaces = std::make_shared<std::vector<std::string>>();
	auto all = std::make_shared<bool>(false);
	auto *detach = app.add_subcommand("detach", "detach interfaces and remove their state");
	detach->add_option("interfaces", *detach_ifaces, "interfaces");
	detach->add_flag("--all", *all, "detach everything and remove the pin dir");
	detach->callback([&g, detach_ifaces, all] {
		Datapath dp(g.pin_dir);
		if (*all) {
			if (!detach_ifaces->empty())
				throw Error("give interfaces or --all, not both");
			dp.detach_all();
		} else {
			if (detach_ifaces->empty())
				throw Error("give the interfaces to detach, or --all");
			dp.detach(*detach_ifaces);
		}
	});

	auto *status = app.add_subcommand("status", "what is attached where");
	status->callback([&g] { print_status(g); });
}

} // namespace pmtuguard::cli
