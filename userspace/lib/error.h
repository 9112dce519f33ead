#pragma once
// Every failure the user can cause or meet is an Error with a one-line,
// specific message; the CLI prints it and exits non-zero.
#include <stdexcept>
#include <string>
#include <string_view>

namespace pmtuguard {

class Error : public std::runtime_error {
public:
	// Control characters in the message (a newline in a config string, an
	// escape sequence in an argument) are written as \xNN: the message stays
	// one line and never drives the terminal, whatever text it quotes.
	explicit Error(const std::string &message);
	explicit Error(const char *message) : Error(std::string(message)) {}
};

// text with every control character written as \xNN.
std::string printable(std::string_view text);

// "what: strerror(err)" for a failed system or libbpf call (err > 0 or < 0).
std::string errno_message(const std::string &what, int err);

} // namespace pmtuguard
