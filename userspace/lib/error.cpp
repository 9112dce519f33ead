#include "lib/error.h"

#include <cstdio>
#include <cstring>

namespace pmtuguard {

std::string printable(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (unsigned char c : text) {
		if (c < 0x20 || c == 0x7f) {
			char hex[5];
			std::snprintf(hex, sizeof(hex), "\\x%02x", c);
			out += hex;
		} else {
			out += static_cast<char>(c);
		}
	}
	return out;
}

Error::Error(const std::string &message) : std::runtime_error(printable(message)) {}

std::string errno_message(const std::string &what, int err)
{
	return what + ": " + std::strerror(err < 0 ? -err : err);
}

} // namespace pmtuguard
