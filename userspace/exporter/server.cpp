#include "exporter/server.h"

#include <cerrno>
#include <chrono>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "exporter/metrics.h"
#include "lib/error.h"

namespace pmtuguard {

MetricsServer::MetricsServer(const ListenAddress &listen, std::function<std::string()> render)
	: listen_(listen), server_(std::make_unique<httplib::Server>())
{
	server_->Get("/metrics", [render](const httplib::Request &, httplib::Response &res) {
		try {
			res.set_content(render(), kMetricsContentType);
		} catch (const std::exception &e) {
			spdlog::error("metrics: {}", e.what());
			res.status = 500;
			res.set_content(std::string(e.what()) + "\n", "text/plain");
		}
	});
	server_->Get("/", [](const httplib::Request &, httplib::Response &res) {
		res.set_content("pmtuguard exporter: see /metrics\n", "text/plain");
	});
	errno = 0;
	if (!server_->bind_to_port(listen_.host, listen_.port))
		throw Error(errno ? errno_message("cannot listen on " + listen_.str(), errno)
				  : "cannot listen on " + listen_.str());
	thread_ = std::thread([this] { server_->listen_after_bind(); });
	// httplib's stop() does nothing to a server not yet listening, and the
	// thread would then never end: return only once it listens.
	while (!server_->is_running())
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

MetricsServer::~MetricsServer()
{
	stop();
}

void MetricsServer::stop()
{
	if (!thread_.joinable())
		return;
	server_->stop();
	thread_.join();
}

} // namespace pmtuguard
