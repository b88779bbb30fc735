// The daemon's shared state and the reload procedure: build, validate, then swap whole.
#include "app.hpp"

#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include "alerts/delivery_samples.hpp"
#include "alerts/persist.hpp"
#include "auth/settings.hpp"
#include "config/loader.hpp"
#include "heap.hpp"
#include "log/logger.hpp"
#include "log/scope.hpp"
#include "pipeline/reload.hpp"
#include "stats/state_file.hpp"
#include "util/barrier.hpp"

namespace mxpulse::milter {

config::LoadResult initial_config(const std::string& path, bool path_given) {
    struct stat st {};
    if (!path_given && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        return config::LoadResult{config::defaults(), {}};
    }
    return config::load_file(path);
}

std::string apply_log_settings(const config::Config& c) {
    return log::configure(pipeline::log_settings(c));
}

void App::prepare(std::shared_ptr<const config::Config> c) {
    registry = std::make_unique<stats::Registry>(
        stats::RegistryOptions{static_cast<std::size_t>(c->max_destinations),
                               static_cast<std::size_t>(c->samples_per_destination)});
    correlation = std::make_unique<stats::Correlation>(
        static_cast<std::size_t>(c->correlation_max),
        static_cast<std::int64_t>(c->correlation_max_age.count() / 1000));
    dedup = std::make_unique<pipeline::BounceDedup>(
        static_cast<std::size_t>(c->duplicate_max),
        static_cast<std::int64_t>(c->duplicate_window.count() / 1000));
    history = std::make_unique<stats::History>(static_cast<std::size_t>(c->history_destinations));
    runtime.set(pipeline::build_runtime(std::move(c), {}, nullptr).runtime, std::time(nullptr));
}

pipeline::State App::state() {
    return pipeline::State{counters, *registry,   *correlation,   auth_counters,
                           mx.get(), dedup.get(), evidence.get(), history.get()};
}

std::string App::save_state() {
    auto cfg = config.get();
    if (cfg->state_file.empty()) return {};
    std::lock_guard lock(state_mutex_);
    auto start = std::chrono::steady_clock::now();
    const std::uint64_t sealed = journal ? journal->begin_snapshot() : 0;
    stats::SnapshotMarks marks;
    if (journal) {
        // Unique per snapshot, so that a snapshot that never replaced the file marks nothing.
        marks.id = (static_cast<std::uint64_t>(std::time(nullptr)) << 20) ^ ++snapshots_taken_;
        marks.shard = [this, id = marks.id](std::size_t shard) { journal->mark(id, shard); };
        marks.before_rename = [this] { journal->flush(); };
    }
    std::string error = stats::save_state(cfg->state_file, *registry, std::time(nullptr), marks,
                                          history.get(), &auth_counters);
    return_free_heap();  // the encoding buffers are freed; give their pages back
    if (journal && error.empty()) journal->end_snapshot(sealed);
    if (!error.empty()) {
        counters.snapshot_failed(std::time(nullptr), error);
        log::emit(log::events::snapshot_failed,
                  {log::Field("file", cfg->state_file), log::Field("error", error)});
        return error;
    }
    std::string alert_file = alerts::alert_file_for(cfg->state_file);
    if (std::string e = alerts::save_alerts(alert_file, this->alerts); !e.empty()) {
        log::emit(log::events::snapshot_failed,
                  {log::Field("file", alert_file), log::Field("error", e)});
        return e;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    if (postfix_log) {
        std::string pos_file = position_file_for(cfg->state_file);
        if (std::string e = save_position(pos_file, postfix_log->position()); !e.empty()) {
            log::emit(log::events::snapshot_failed,
                      {log::Field("file", pos_file), log::Field("error", e)});
            return e;
        }
    }
    counters.snapshot_written(std::time(nullptr), static_cast<std::int64_t>(ms));
    log::emit(log::events::snapshot_written,
              {log::Field("file", cfg->state_file), log::Field("destinations", registry->tracked()),
               log::Field("duration_ms", static_cast<std::int64_t>(ms))});
    return {};
}

void App::restore_alerts() {
    auto cfg = config.get();
    if (cfg->state_file.empty()) return;
    std::string file = alerts::alert_file_for(cfg->state_file);
    alerts::AlertLoad o = alerts::load_alerts(file, this->alerts);
    const char* what = o.what == alerts::AlertLoad::What::loaded      ? "loaded"
                       : o.what == alerts::AlertLoad::What::missing   ? "missing"
                       : o.what == alerts::AlertLoad::What::set_aside ? "set_aside"
                                                                      : "unusable";
    log::emit(log::events::alerts_restored,
              {log::Field("file", file), log::Field("outcome", what),
               log::Field("alerts", o.alerts), log::Field("detail", o.detail)});
}

void App::restore_state() {
    restore_alerts();
    auto cfg = config.get();
    if (cfg->state_file.empty()) return;
    stats::LoadOutcome o = stats::load_state(cfg->state_file, *registry, std::time(nullptr),
                                             history.get(), &auth_counters);
    const char* what = stats::outcome_name(o.what);
    if (o.what == stats::LoadOutcome::What::set_aside ||
        o.what == stats::LoadOutcome::What::unusable)
        counters.count_state_unusable();
    log::emit(log::events::state_restored,
              {log::Field("file", cfg->state_file), log::Field("outcome", what),
               log::Field("destinations", o.destinations), log::Field("detail", o.detail)});
    open_journal(cfg->state_file, o.snapshot);
}

void App::open_journal(const std::string& state_file, std::uint64_t snapshot) {
    stats::JournalReplay r = stats::replay_journal(state_file, *registry, snapshot);
    if (r.segments > 0 || !r.damaged.empty())
        log::emit(log::events::journal_replayed,
                  {log::Field("file", state_file + ".journal.*"),
                   log::Field("segments", r.segments), log::Field("records", r.records),
                   log::Field("held", r.held), log::Field("damaged", r.damaged)});
    stats::JournalOptions options;
    options.on_full = [this](std::size_t bytes) {
        counters.count_limit(stats::Limit::journal_bytes);
        log::emit_message(log::events::limit_hit, "",
                          {log::Field("limit", "journal_bytes"),
                           log::Field("value", static_cast<std::int64_t>(bytes))});
        save_state();
    };
    options.on_dropped = [](std::uint64_t) {
        log::emit_message(log::events::limit_hit, "",
                          {log::Field("limit", "journal_bytes"), log::Field("value", "dropped")});
    };
    std::string error;
    journal = stats::Journal::open(state_file, std::move(options), error);
    if (!journal) {
        log::emit(log::events::journal_failed,
                  {log::Field("file", state_file), log::Field("error", error)});
        return;
    }
    registry->set_observer(journal.get());
}

void App::evaluate_alerts() {
    auto cfg = config.get();
    std::int64_t now = std::time(nullptr);
    QueueScanResult queue;
    if (postfix_queue) queue = postfix_queue->last();
    alerts::DeliverySources delivery{postfix_log ? &postfix_log->outcomes() : nullptr,
                                     queue.view.get()};
    for (const config::AlertRule& rule : alerts.rules()) {
        auto s =
            alerts::is_delivery_metric(rule.metric)
                ? alerts::delivery_samples(rule, delivery, now)
                : alerts::samples(rule, *registry, auth_counters, cfg->own_sender_domains, now);
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

namespace {
// Logs an exception a barrier stopped (the barrier already counted it).
void report_stopped_exception(const char* site, const char* what) noexcept {
    try {
        log::emit_message(log::events::exception_stopped, log::current_queue_id(),
                          {log::Field("site", site), log::Field("error", what)});
    } catch (...) {
        // Logging failed: the count stands.
    }
}
}  // namespace

std::string App::start(const config::Config& c) {
    util::set_barrier_reporter(report_stopped_exception);
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
    auto current = runtime.get();
    pipeline::BuildResult built =
        pipeline::build_runtime(current->config, {resolver.get(), psl}, current.get());
    if (!built.runtime) return built.error;
    runtime.set(std::move(built.runtime), std::time(nullptr));
    alerts.set_rules(c.alert_rules);
    mx = std::make_unique<pipeline::MxLookups>(
        *resolver, [this](const std::string& domain, const std::string& host, std::uint32_t ttl) {
            std::string moved =
                runtime.get()->providers->learn(domain, host, true, std::time(nullptr) + ttl);
            if (!moved.empty()) registry->set_provider(domain, moved);
        });
    return {};
}

std::string App::provider_of(const std::string& domain, const std::string& relay,
                             std::int64_t now) {
    auto rt = runtime.get();
    constexpr std::int64_t kRelayGuessTtl = 86400;  // as a Remote-MTA guess
    if (!relay.empty() && relay != "none" && !rt->providers->has_mx(domain, now)) {
        std::string moved = rt->providers->learn(domain, relay, false, now + kRelayGuessTtl);
        if (!moved.empty()) registry->set_provider(domain, moved);
    }
    return rt->providers->lookup(domain, now);
}

void App::start_postfix_log() {
    auto cfg = config.get();
    if (cfg->postfix_log_path.empty()) return;
    postfix_log = std::make_unique<LogFollower>(
        *cfg, counters, [this](const std::string& d, const std::string& relay, std::int64_t now) {
            return provider_of(d, relay, now);
        });
    postfix_log->start(load_position(position_file_for(cfg->state_file)));
}

void App::start_postfix_queue() {
    postfix_queue = std::make_unique<QueueScanner>(config, counters, [this](const std::string& d) {
        return provider_of(d, {}, std::time(nullptr));
    });
    postfix_queue->start();
}

std::string App::reload(std::string_view reason) {
    std::lock_guard lock(reload_mutex);
    std::string error = reload_once(reason);
    last_reload_ok = error.empty();
    return error;
}

std::string App::reload_once(std::string_view reason) {
    config::LoadResult r = initial_config(config_path, config_path_given);
    std::vector<std::string> errors = r.errors;
    pipeline::ReloadResult done;
    if (r.config) {
        done =
            pipeline::reload_runtime(runtime, r.config, {resolver.get(), psl}, std::time(nullptr),
                                     [](const log::Settings& s) { return log::configure(s); });
        if (!done.error.empty()) errors.push_back(done.error);
    }
    if (!r.config || !done.error.empty()) {
        std::string joined;
        for (const std::string& e : errors) {
            log::emit(log::events::config_rejected,
                      {log::Field("config", config_path), log::Field("error", e)});
            joined += (joined.empty() ? "" : "; ") + e;
        }
        return joined;
    }
    alerts.set_rules(r.config->alert_rules);
    log::emit(
        log::events::config_loaded,
        {log::Field("config", r.config->source), log::Field("reason", reason),
         log::Field("restart_needed", done.restart_needed.empty() ? "none" : done.restart_needed)});
    return {};
}

}  // namespace mxpulse::milter
