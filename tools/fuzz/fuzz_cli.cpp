// libFuzzer target: the pmtuguard command line, parsed by the real CLI11 app
// (cli::build_app) and stopped once parsing is complete, before any
// command's callback, so nothing is attached, read or served: the input is
// the argument vector, split at NUL bytes. What the commands check once they run (prefixes, MTUs, numbers) is
// fuzz_prefix's; this target covers the parser, its option checks and the
// subcommand structure.
#include <algorithm>
#include <vector>

#include "cli/commands.h"
#include "fuzz_target.h"
#include "lib/error.h"

using namespace pmtuguard;

namespace {

constexpr size_t kMaxArgs = 32;

// Thrown where CLI11 would start running the commands. (Replacing their
// callbacks instead would free the option values they own.)
struct ParsedOnly {};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<std::string> args(1);
	for (size_t i = 0; i < size && args.size() <= kMaxArgs; i++) {
		if (data[i] == 0)
			args.emplace_back();
		else
			args.back() += static_cast<char>(data[i]);
	}
	CLI::App app;
	cli::GlobalOptions g;
	cli::build_app(app, g);
	// The top app's first step after parsing, ahead of every subcommand's.
	app.parse_complete_callback([] { throw ParsedOnly{}; });
	std::reverse(args.begin(), args.end()); // CLI11 takes the vector last argument first
	try {
		app.parse(args);
	} catch (const ParsedOnly &) {
	} catch (const CLI::ParseError &) {
		// CLI11 prints its own usage message; refusal is the point
	} catch (const Error &e) {
		fuzz::expect_one_line(e.what());
	}
	return 0;
}
