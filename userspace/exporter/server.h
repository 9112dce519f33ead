#pragma once
// The HTTP endpoint (cpp-httplib) serving /metrics from a render function,
// on a thread of its own so a slow scrape never holds up the daemon.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "lib/config.h"

namespace httplib {
class Server;
}

namespace pmtuguard {

class MetricsServer {
public:
	// Binds now (throws Error naming the address if it cannot) and serves
	// until stop() or destruction.
	MetricsServer(const ListenAddress &listen, std::function<std::string()> render);
	~MetricsServer();
	MetricsServer(const MetricsServer &) = delete;
	MetricsServer &operator=(const MetricsServer &) = delete;

	void stop();
	const ListenAddress &address() const { return listen_; }

private:
	ListenAddress listen_;
	std::unique_ptr<httplib::Server> server_;
	std::thread thread_;
};

} // namespace pmtuguard
