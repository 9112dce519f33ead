#pragma once
// What every libFuzzer target here shares. A target defines
// LLVMFuzzerTestOneInput and, when it finds a broken promise, calls
// broken_promise(), which aborts: libFuzzer saves the input as a crash.
// Exceptions other than the ones a target expects escape and abort too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace pmtuguard::fuzz {

[[noreturn]] inline void broken_promise(const std::string &what)
{
	std::fprintf(stderr, "broken promise: %s\n", what.c_str());
	std::abort();
}

// Bad input gets a one-line message: no line breaks or other control
// characters, whatever the input held, and never an empty one.
inline void expect_one_line(std::string_view message)
{
	if (message.empty())
		broken_promise("empty error message");
	for (unsigned char c : message)
		if (c < 0x20 || c == 0x7f)
			broken_promise("error message with control character " + std::to_string(c) + ": " +
				       std::string(message));
}

} // namespace pmtuguard::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
