// The daemon's shared state and the reload procedure: build, validate, then swap whole.
#include "app.hpp"

#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include "auth/settings.hpp"
#include "config/loader.hpp"
#include "log/logger.hpp"
#include "log/scope.hpp"
#include "stats/state_file.hpp"

namespace mxpulse::milter {

namespace {
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
    note(a.dns_nameservers != b.dns_nameservers || a.dns_timeout != b.dns_timeout ||
             a.dns_cache_min_ttl != b.dns_cache_min_ttl ||
             a.dns_cache_max_ttl != b.dns_cache_max_ttl,
         "dns");
    note(a.psl_file != b.psl_file, "auth.psl_file");
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

std::string apply_log_settings(const config::Config& c) {
    log::FloodLimits flood{static_cast<std::uint32_t>(c.log_flood_burst),
                           c.log_flood_interval.count(),
                           static_cast<std::size_t>(c.log_flood_max_keys)};
    return log::configure(
        log::Settings{c.log_sink, c.log_format, c.log_level, c.syslog_facility, c.log_file, flood});
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

void App::evaluate_alerts() {
    auto cfg = config.get();
    std::int64_t now = std::time(nullptr);
    for (const config::AlertRule& rule : alerts.rules()) {
        auto s = alerts::samples(rule, *registry, auth_counters, cfg->own_sender_domains, now);
        for (const alerts::Transition& t : alerts.observe(rule, s, now)) {
            log::emit(t.raised ? log::events::alert_raised : log::events::alert_cleared,
                      {log::Field("rule", t.rule), log::Field("key", t.key),
                       log::Field("metric", t.metric), log::Field("window", t.window),
                       log::Field("value", t.value), log::Field("threshold", t.threshold),
                       log::Field("events", static_cast<std::int64_t>(t.events)),
                       log::Field("severity", t.severity)});
        }
    }
}

std::string App::start_auth(const config::Config& c) {
    std::string error;
    dns::ResolverConfig rc = auth::resolver_settings(c);
    rc.on_timeout = [](std::string_view name, std::uint16_t type,
                       std::chrono::milliseconds waited) {
        log::emit_message(log::events::dns_timeout, log::current_queue_id(),
                          {log::Field("qname", name), log::Field("qtype", dns::type_name(type)),
                           log::Field("timeout_ms", static_cast<std::int64_t>(waited.count()))});
    };
    resolver = dns::Resolver::create(rc, error);
    if (!resolver) return "dns: " + error;
    psl = auth::PublicSuffixList::load(c.psl_file, error);
    if (!psl) return "auth.psl_file: " + error;
    std::shared_ptr<const auth::Evaluator> ev;
    if (c.auth_enabled) {
        ev = auth::Evaluator::create(*resolver, auth::auth_settings(c), error);
        if (!ev) return "auth: " + error;
    }
    std::lock_guard lock(providers_mutex_);
    evaluator_ = std::move(ev);
    return {};
}

std::shared_ptr<const auth::Evaluator> App::evaluator() const {
    std::lock_guard lock(providers_mutex_);
    return evaluator_;
}

std::shared_ptr<stats::ProviderMap> App::providers() const {
    std::lock_guard lock(providers_mutex_);
    return providers_;
}

void App::set_providers(const config::Config& c) {
    std::shared_ptr<const auth::PublicSuffixList> list = psl;
    auto registrable = [list](std::string_view host) -> std::string {
        if (!list) return std::string(host);
        return list->registrable_domain(host).value_or("");
    };
    auto map = std::make_shared<stats::ProviderMap>(c.providers, registrable);
    std::lock_guard lock(providers_mutex_);
    if (providers_) map->adopt_learned(*providers_);
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
    if (resolver && r.config->auth_enabled) {
        std::string error;
        std::shared_ptr<const auth::Evaluator> ev =
            auth::Evaluator::create(*resolver, auth::auth_settings(*r.config), error);
        if (!ev) {
            log::emit(log::events::config_rejected,
                      {log::Field("config", config_path), log::Field("error", "auth: " + error)});
            return "auth: " + error;
        }
        std::lock_guard lock(providers_mutex_);
        evaluator_ = std::move(ev);
    } else if (!r.config->auth_enabled) {
        std::lock_guard lock(providers_mutex_);
        evaluator_.reset();
    }
    if (std::string error = apply_log_settings(*r.config); !error.empty()) {
        log::emit(log::events::config_rejected,
                  {log::Field("config", config_path), log::Field("error", error)});
        return error;
    }
    config.set(r.config);
    alerts.set_rules(r.config->alert_rules);
    set_providers(*r.config);
    log::emit(log::events::config_loaded,
              {log::Field("config", r.config->source), log::Field("reason", reason),
               log::Field("restart_needed", restart.empty() ? "none" : restart)});
    return {};
}

}  // namespace mxpulse::milter
