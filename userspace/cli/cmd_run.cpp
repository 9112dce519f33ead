// run --config FILE [--detach-on-exit]: the daemon. Attaches what the config
// names, serves /metrics, follows address changes, reloads on SIGHUP. The
// datapath never depends on it: by default it stays attached when the daemon
// stops, and a new daemon takes over the pinned state and its counters.
#include <poll.h>

#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "exporter/metrics.h"
#include "exporter/server.h"
#include "lib/bpffs.h"
#include "lib/config.h"
#include "lib/netlink.h"
#include "lib/reconcile.h"
#include "lib/signals.h"

namespace pmtuguard::cli {
namespace {

class Daemon {
public:
	Daemon(const std::string &pin_dir, std::string config_path) : dp_(pin_dir), config_path_(std::move(config_path))
	{
	}

	void start()
	{
		Config config = load_config(config_path_);
		Plan plan = plan_changes(config, read_running_state(dp_), interface_index_or_zero);
		server_ = std::make_unique<MetricsServer>(config.listen, renderer());
		apply(plan);
		config_ = std::move(config);
		refresh_addresses(); // they may have changed while no daemon was running
		spdlog::info("running: {} interface(s), metrics on http://{}/metrics", config_.interfaces.size(),
			     server_->address().str());
	}

	// Validates the whole file, then applies the difference; on any error the
	// running state stays exactly as it was.
	void reload()
	{
		spdlog::info("SIGHUP: reloading {}", config_path_);
		try {
			Config next = load_config(config_path_);
			Plan plan = plan_changes(next, read_running_state(dp_), interface_index_or_zero);
			std::unique_ptr<MetricsServer> new_server;
			if (!(next.listen == config_.listen))
				new_server = std::make_unique<MetricsServer>(next.listen, renderer());
			apply(plan);
			size_t changes = plan.describe().size() + (new_server ? 1 : 0);
			if (new_server) {
				server_ = std::move(new_server);
				spdlog::info("metrics now on http://{}/metrics", server_->address().str());
			}
			config_ = std::move(next);
			spdlog::info("reloaded: {} change(s)", changes);
		} catch (const Error &e) {
			spdlog::error("reload rejected, nothing changed: {}", e.what());
		}
	}

	void refresh_addresses()
	{
		auto before = sources();
		dp_.refresh_interfaces();
		for (const auto &[iface, source] : sources())
			if (before[iface] != source)
				spdlog::info("{}: PTB source {}", iface, source.empty() ? "none (PTBs left to the kernel)" : source);
	}

	void stop(bool detach)
	{
		server_.reset();
		if (!detach) {
			spdlog::info("stopping; the datapath stays attached");
			return;
		}
		std::vector<std::string> names;
		for (const auto &iface : config_.interfaces)
			if (dp_.attached(iface.name))
				names.push_back(iface.name);
		if (!names.empty())
			dp_.detach(names);
		spdlog::info("stopping; detached {} interface(s)", names.size());
	}

private:
	std::function<std::string()> renderer() const
	{
		return [pin_dir = dp_.pin_dir()] { return render_metrics(collect_metrics(pin_dir)); };
	}

	void apply(const Plan &plan)
	{
		for (const auto &line : plan.describe())
			spdlog::info("{}", line);
		apply_plan(dp_, plan);
	}

	std::map<std::string, std::string> sources() const
	{
		std::map<std::string, std::string> out;
		for (const auto &a : dp_.attachments())
			out[a.interface] = a.ptb_source.value_or("");
		return out;
	}

	Datapath dp_;
	std::string config_path_;
	Config config_;
	std::unique_ptr<MetricsServer> server_;
};

void run(const GlobalOptions &g, const std::string &config_path, bool detach_on_exit)
{
	require_root();
	SignalFd signals({SIGHUP, SIGTERM, SIGINT}); // before the metrics thread starts
	AddressMonitor addresses; // before the first refresh, so no change falls between
	Daemon daemon(g.pin_dir, config_path);
	daemon.start();
	for (;;) {
		pollfd fds[] = {{signals.fd(), POLLIN, 0}, {addresses.fd(), POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			throw Error(errno_message("poll", errno));
		if (fds[1].revents && addresses.changed()) {
			try {
				daemon.refresh_addresses();
			} catch (const Error &e) {
				spdlog::error("refreshing PTB source addresses: {}", e.what());
			}
		}
		while (int sig = signals.pending()) {
			if (sig == SIGHUP) {
				daemon.reload();
				continue;
			}
			daemon.stop(detach_on_exit);
			return;
		}
	}
}

} // namespace

void register_run(CLI::App &app, GlobalOptions &g)
{
	auto config = std::make_shared<std::string>("/etc/pmtuguard/pmtuguard.toml");
	auto detach = std::make_shared<bool>(false);
	auto *cmd = app.add_subcommand("run", "the daemon: attach what the config names, serve metrics, reload on SIGHUP");
	cmd->add_option("-c,--config", *config, "TOML configuration file")->capture_default_str();
	cmd->add_flag("--detach-on-exit", *detach, "detach the configured interfaces on SIGTERM (default: leave them)");
	cmd->callback([&g, config, detach] { run(g, *config, *detach); });
}

} // namespace pmtuguard::cli
