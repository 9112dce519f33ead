#include "lib/signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "lib/error.h"

namespace pmtuguard {

SignalFd::SignalFd(std::initializer_list<int> signals)
{
	sigset_t set;
	sigemptyset(&set);
	for (int s : signals)
		sigaddset(&set, s);
	if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
		throw Error("cannot block signals");
	fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd_ < 0)
		throw Error(errno_message("signalfd", errno));
}

SignalFd::~SignalFd()
{
	close(fd_);
}

int SignalFd::pending()
{
	signalfd_siginfo info{};
	if (read(fd_, &info, sizeof(info)) != sizeof(info))
		return 0;
	return static_cast<int>(info.ssi_signo);
}

int SignalFd::wait()
{
	for (;;) {
		pollfd p{fd_, POLLIN, 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			throw Error(errno_message("waiting for signals", errno));
		if (int sig = pending())
			return sig;
	}
}

} // namespace pmtuguard
