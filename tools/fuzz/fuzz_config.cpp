// libFuzzer target: the daemon's configuration file (userspace/lib/config.h).
// Any text is either a Config or a ConfigError whose one-line message names
// the file; nothing else escapes.
#include "fuzz_target.h"
#include "lib/config.h"

using namespace pmtuguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string path = "fuzz.toml";
	try {
		Config c = parse_config(std::string_view(reinterpret_cast<const char *>(data), size), path);
		for (const auto &m : c.mtu)
			if (m.mtu < PG_IPV6_MIN_MTU || m.mtu > 65535)
				fuzz::broken_promise("accepted MTU " + std::to_string(m.mtu));
		if (c.limits.source_prefix_len > 128)
			fuzz::broken_promise("accepted source prefix length " + std::to_string(c.limits.source_prefix_len));
	} catch (const ConfigError &e) {
		fuzz::expect_one_line(e.what());
		if (!std::string_view(e.what()).starts_with(path))
			fuzz::broken_promise(std::string("message does not name the file: ") + e.what());
	}
	return 0;
}
