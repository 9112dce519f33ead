// libFuzzer target: the address, prefix, number and listen-address parsers
// (userspace/lib/prefix.h, config.h). Whatever they accept must print back
// to text they accept as the same value; whatever they refuse gets an
// Error with a one-line message.
#include <string>

#include "fuzz_target.h"
#include "lib/config.h"
#include "lib/error.h"
#include "lib/prefix.h"

using namespace pmtuguard;
using fuzz::broken_promise;
using fuzz::expect_one_line;

namespace {

// The C functions underneath stop at a NUL byte: text holding one must be
// refused as a whole, never parsed up to it.
void expect_refused_if_nul(std::string_view text, std::string_view what)
{
	if (text.find('\0') != std::string_view::npos)
		broken_promise("accepted text with a NUL byte as " + std::string(what));
}

void fuzz_prefix(std::string_view text)
{
	try {
		Ipv6Prefix p = Ipv6Prefix::parse(text);
		expect_refused_if_nul(text, "a prefix");
		if (p.len > 128)
			broken_promise("prefix length " + std::to_string(p.len));
		if (!(Ipv6Prefix::parse(p.str()) == p))
			broken_promise("'" + p.str() + "' does not parse back to itself");
	} catch (const Error &e) {
		expect_one_line(e.what());
	}
}

void fuzz_unsigned(std::string_view text)
{
	constexpr unsigned long min = 1280, max = 65535;
	try {
		unsigned long v = parse_unsigned(text, min, max, "MTU");
		if (v < min || v > max)
			broken_promise("accepted " + std::to_string(v) + " outside " + std::to_string(min) + ".." +
				       std::to_string(max));
		// Decimal digits only (leading zeros are harmless); no sign, space or suffix.
		bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
		if (!digits || std::stoul(std::string(text)) != v)
			broken_promise("accepted '" + std::string(text) + "' as " + std::to_string(v));
	} catch (const Error &e) {
		expect_one_line(e.what());
	}
}

void fuzz_listen(std::string_view text)
{
	try {
		ListenAddress a = ListenAddress::parse(text);
		expect_refused_if_nul(text, "a listen address");
		if (!(ListenAddress::parse(a.str()) == a))
			broken_promise("'" + a.str() + "' does not parse back to itself");
	} catch (const Error &e) {
		expect_one_line(e.what());
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	fuzz_prefix(text);
	fuzz_unsigned(text);
	fuzz_listen(text);
	return 0;
}
