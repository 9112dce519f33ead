#pragma once
// Signals taken as file-descriptor events (signalfd), so a daemon loop can
// poll them with its other sources. The signals are blocked for the calling
// thread and every thread it starts afterwards: create this first.
#include <csignal>
#include <initializer_list>

namespace pmtuguard {

class SignalFd {
public:
	explicit SignalFd(std::initializer_list<int> signals);
	~SignalFd();
	SignalFd(const SignalFd &) = delete;
	SignalFd &operator=(const SignalFd &) = delete;

	int fd() const { return fd_; }
	int pending(); // the next pending signal, or 0
	int wait();    // blocks until one arrives

private:
	int fd_ = -1;
};

} // namespace pmtuguard
