#pragma once
// Each command group registers its subcommands on the app; the callbacks run
// after parsing and throw pmtuguard::Error on failure.
#include <CLI/CLI.hpp>
#include <string>

namespace pmtuguard::cli {

struct GlobalOptions {
	std::string pin_dir;
	bool json = false;
};

// The whole command line on app, options bound to g. main() parses and
// runs it; tools/fuzz/fuzz_cli only parses it.
void build_app(CLI::App &app, GlobalOptions &g);

void register_attach(CLI::App &app, GlobalOptions &g);
void register_mtu(CLI::App &app, GlobalOptions &g);
void register_rule(CLI::App &app, GlobalOptions &g);
void register_limits(CLI::App &app, GlobalOptions &g);
void register_stats(CLI::App &app, GlobalOptions &g);
void register_serve(CLI::App &app, GlobalOptions &g);
void register_run(CLI::App &app, GlobalOptions &g);
void register_events(CLI::App &app, GlobalOptions &g);

} // namespace pmtuguard::cli
