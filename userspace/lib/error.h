#pragma once
// Every failure the user can cause or meet is an Error with a one-line,
// specific message; the CLI prints it and exits non-zero.
#include <stdexcept>
#include <string>

namespace pmtuguard {

class Error : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// "what: strerror(err)" for a failed system or libbpf call (err > 0 or < 0).
std::string errno_message(const std::string &what, int err);

} // namespace pmtuguard
