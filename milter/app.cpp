// The daemon's shared state and the reload procedure: build, validate, then swap whole.
#include "app.hpp"

#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include "config/loader.hpp"
#include "log/logger.hpp"
#include "stats/state_file.hpp"
#include "util/strings.hpp"

namespace mxpulse::milter {

namespace {
// Returns the registrable domain of a mail host. Until the Public Suffix List is wired in with the
// resolver, the host's last two labels stand in (three under a two-letter country code's second
// level such as co.uk).
std::string registrable_domain(std::string_view host) {
    auto labels = util::split(host, ".");
    if (labels.size() < 2) return {};
    std::size_t keep = 2;
    if (labels.size() >= 3 && labels.back().size() == 2 && labels[labels.size() - 2].size() <= 3)
        keep = 3;
    std::string out;
    for (std::size_t i = labels.size() - keep; i < labels.size(); ++i)
        out += (out.empty() ? "" : ".") + std::string(labels[i]);
    return out;
}

// Lists the options whose new value only takes effect after a restart.
std::string restart_only_changes(const config::Config& a, const config::Config& b) {
    std::string out;
    auto note = [&](bool changed, const char* name) {
        if (changed) out += (out.empty() ? "" : ",") + std::string(name);
    };
    note(a.milter_socket != b.milter_socket, "milter.socket");
    note(a.milter_socket_mode != b.milter_socket_mode, "milter.socket_mode");
    note(a.milter_backlog != b.milter_backlog, "milter.backlog");
    note(a.milter_timeout != b.milter_timeout, "milter.timeout");
    note(a.control_socket != b.control_socket, "control.socket");
    note(a.control_socket_mode != b.control_socket_mode, "control.socket_mode");
    note(a.control_socket_group != b.control_socket_group, "control.socket_group");
    note(a.correlation_max != b.correlation_max || a.correlation_max_age != b.correlation_max_age,
         "stats.correlation_max/_age");
    note(a.metrics_listen != b.metrics_listen, "metrics.listen");
    note(a.user != b.user || a.group != b.group, "daemon.user/group");
    note(a.pid_file != b.pid_file, "daemon.pid_file");
    note(a.max_destinations != b.max_destinations, "stats.max_destinations");
    note(a.samples_per_destination != b.samples_per_destination, "stats.samples_per_destination");
    return out;
}
}  // namespace

config::LoadResult initial_config(const std::string& path, bool path_given) {
    struct stat st {};
    if (!path_given && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        return config::LoadResult{config::defaults(), {}};
    }
    return config::load_file(path);
}

void apply_log_settings(const config::Config& c) {
    log::configure(log::Settings{c.log_sink, c.log_format, c.log_level, c.syslog_facility});
}

std::string App::save_state() {
    auto cfg = config.get();
    if (cfg->state_file.empty()) return {};
    std::lock_guard lock(state_mutex_);
    auto start = std::chrono::steady_clock::now();
    std::string error = stats::save_state(cfg->state_file, *registry, std::time(nullptr));
    if (!error.empty()) {
        log::emit(log::events::snapshot_failed,
                  {log::Field("file", cfg->state_file), log::Field("error", error)});
        return error;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    log::emit(log::events::snapshot_written,
              {log::Field("file", cfg->state_file), log::Field("destinations", registry->tracked()),
               log::Field("duration_ms", static_cast<std::int64_t>(ms))});
    return {};
}

void App::restore_state() {
    auto cfg = config.get();
    if (cfg->state_file.empty()) return;
    stats::LoadOutcome o = stats::load_state(cfg->state_file, *registry, std::time(nullptr));
    const char* what = o.what == stats::LoadOutcome::What::loaded    ? "loaded"
                       : o.what == stats::LoadOutcome::What::missing ? "missing"
                                                                     : "set_aside";
    log::emit(log::events::state_restored,
              {log::Field("file", cfg->state_file), log::Field("outcome", what),
               log::Field("destinations", o.destinations), log::Field("detail", o.detail)});
}

std::shared_ptr<stats::ProviderMap> App::providers() const {
    std::lock_guard lock(providers_mutex_);
    return providers_;
}

void App::set_providers(const config::Config& c) {
    auto map = std::make_shared<stats::ProviderMap>(c.providers, registrable_domain);
    std::lock_guard lock(providers_mutex_);
    providers_ = std::move(map);
}

std::string App::reload(std::string_view reason) {
    std::lock_guard lock(reload_mutex);
    config::LoadResult r = initial_config(config_path, config_path_given);
    if (!r.config) {
        std::string joined;
        for (const std::string& e : r.errors) {
            log::emit(log::events::config_rejected,
                      {log::Field("config", config_path), log::Field("error", e)});
            joined += (joined.empty() ? "" : "; ") + e;
        }
        return joined;
    }
    auto old = config.get();
    std::string restart = old ? restart_only_changes(*old, *r.config) : "";
    config.set(r.config);
    set_providers(*r.config);
    apply_log_settings(*r.config);
    log::emit(log::events::config_loaded,
              {log::Field("config", r.config->source), log::Field("reason", reason),
               log::Field("restart_needed", restart.empty() ? "none" : restart)});
    return {};
}

}  // namespace mxpulse::milter
