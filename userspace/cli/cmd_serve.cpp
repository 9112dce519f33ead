// serve --listen ADDR: the Prometheus endpoint alone (run has it too).
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "exporter/metrics.h"
#include "exporter/server.h"
#include "lib/config.h"
#include "lib/signals.h"

namespace pmtuguard::cli {

void register_serve(CLI::App &app, GlobalOptions &g)
{
	auto listen = std::make_shared<std::string>(ListenAddress().str());
	auto *serve = app.add_subcommand("serve", "serve /metrics for Prometheus until SIGTERM or SIGINT");
	serve->add_option("--listen", *listen, "[IPv6]:PORT or IPv4:PORT")->capture_default_str();
	serve->callback([&g, listen] {
		ListenAddress address = ListenAddress::parse(*listen);
		SignalFd signals({SIGTERM, SIGINT}); // before the server's thread starts
		std::string pin_dir = g.pin_dir;
		MetricsServer server(address, [pin_dir] { return render_metrics(collect_metrics(pin_dir)); });
		spdlog::info("serving http://{}/metrics", address.str());
		signals.wait();
	});
}

} // namespace pmtuguard::cli
