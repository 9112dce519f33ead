// pmtuguard: attach the PMTU datapath, manage its policy, show what it does.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "lib/bpffs.h"
#include "lib/error.h"

int main(int argc, char **argv)
{
	using namespace pmtuguard;
	CLI::App app{"pmtuguard: IPv6 Packet Too Big and path MTU guard for Linux routers (XDP/tc)"};
	app.require_subcommand(1);
	app.fallthrough();
	cli::GlobalOptions g;
	g.pin_dir = kDefaultPinDir;
	app.add_option("--pin-dir", g.pin_dir, "bpffs directory holding pinned maps and links")
		->capture_default_str();
	app.add_flag("-j,--json", g.json, "JSON output");
	app.set_version_flag("-V,--version", std::string("pmtuguard ") + PMTUGUARD_VERSION);

	cli::register_attach(app, g);
	cli::register_mtu(app, g);
	cli::register_rule(app, g);
	cli::register_limits(app, g);
	cli::register_stats(app, g);
	cli::register_serve(app, g);
	cli::register_run(app, g);
	cli::register_events(app, g);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		return app.exit(e);
	} catch (const Error &e) {
		std::fprintf(stderr, "pmtuguard: error: %s\n", e.what());
		return 1;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "pmtuguard: error: %s\n", e.what());
		return 1;
	}
	return 0;
}
