// The pmtuguard command line: global options and every command group.
#include "cli/commands.h"
#include "lib/bpffs.h"

namespace pmtuguard::cli {

void build_app(CLI::App &app, GlobalOptions &g)
{
	app.description("pmtuguard: IPv6 Packet Too Big and path MTU guard for Linux routers (XDP/tc)");
	app.require_subcommand(1);
	app.fallthrough();
	g.pin_dir = kDefaultPinDir;
	app.add_option("--pin-dir", g.pin_dir, "bpffs directory holding pinned maps and links")
		->capture_default_str();
	app.add_flag("-j,--json", g.json, "JSON output");
	app.set_version_flag("-V,--version", std::string("pmtuguard ") + PMTUGUARD_VERSION);

	register_attach(app, g);
	register_mtu(app, g);
	register_rule(app, g);
	register_limits(app, g);
	register_stats(app, g);
	register_serve(app, g);
	register_run(app, g);
	register_events(app, g);
}

} // namespace pmtuguard::cli
