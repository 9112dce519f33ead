// pmtuguard: attach the PMTU datapath, manage its policy, show what it does.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "lib/error.h"

int main(int argc, char **argv)
{
	using namespace pmtuguard;
	CLI::App app;
	cli::GlobalOptions g;
	cli::build_app(app, g);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0) // --help, --version
			return app.exit(e);
		// CLI11 would add a second line; every error here is one line.
		std::fprintf(stderr, "pmtuguard: error: %s (see --help)\n", printable(e.what()).c_str());
		return 2;
	} catch (const Error &e) {
		std::fprintf(stderr, "pmtuguard: error: %s\n", e.what());
		return 1;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "pmtuguard: error: %s\n", e.what());
		return 1;
	}
	return 0;
}
