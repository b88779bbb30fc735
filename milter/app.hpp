// The daemon's shared state: the Runtime in force, the long-lived counters and stores, and reload.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/engine.hpp"
#include "auth/org_domain.hpp"
#include "config/holder.hpp"
#include "config/loader.hpp"
#include "dns/resolver.hpp"
#include "evidence/store.hpp"
#include "log_follower.hpp"
#include "pipeline/mx_lookups.hpp"
#include "pipeline/runtime.hpp"
#include "pipeline/state.hpp"
#include "queue_scanner.hpp"
#include "stats/auth_counters.hpp"
#include "stats/correlation.hpp"
#include "stats/counters.hpp"
#include "stats/journal.hpp"
#include "stats/registry.hpp"

namespace mxpulse::milter {

// Read access to the configuration of the Runtime in force.
class ConfigView final : public config::Source {
  public:
    explicit ConfigView(const pipeline::RuntimeHolder& holder) : holder_(holder) {}

    // Returns the configuration in force.
    std::shared_ptr<const config::Config> get() const override { return holder_.get()->config; }

    // Returns the Unix time the Runtime in force was put in force.
    std::int64_t loaded_at() const override { return holder_.loaded_at(); }

  private:
    const pipeline::RuntimeHolder& holder_;
};

// Everything the milter callbacks, the control thread and the signal thread share.
struct App {
    std::string config_path;  // "" when running on built-in defaults
    bool config_path_given = false;
    pipeline::RuntimeHolder runtime;  // everything the configuration implies, swapped whole
    ConfigView config{runtime};
    stats::Counters counters;
    std::mutex reload_mutex;
    std::atomic<bool> stopping{false};                // no new sessions are analysed
    std::atomic<std::int64_t> abandoned_sessions{0};  // still open when the grace period ended
    std::unique_ptr<stats::Registry> registry;        // sized by [stats] at start
    std::unique_ptr<stats::Correlation> correlation;  // outbound Message-IDs, sized at start
    std::unique_ptr<pipeline::BounceDedup> dedup;     // bounces counted recently, sized at start
    std::unique_ptr<stats::History> history;          // hourly history of failing destinations
    std::unique_ptr<dns::Resolver> resolver;          // the one resolver, built from [dns] at start
    std::shared_ptr<const auth::PublicSuffixList> psl;  // for provider keys (registrable domains)
    stats::AuthCounters auth_counters;
    std::unique_ptr<pipeline::MxLookups> mx;  // destroyed before the resolver it uses
    alerts::Engine alerts;
    std::unique_ptr<LogFollower> postfix_log;     // null unless [postfix_log] path is set
    std::unique_ptr<QueueScanner> postfix_queue;  // reads postqueue -j when [postfix_queue] says

    // Starts the queue scanner's thread (it idles while [postfix_queue] command is empty).
    void start_postfix_queue();

    // Starts following Postfix's log (when configured) at the position saved beside the state.
    void start_postfix_log();

    // Returns the provider of a destination, learning it from the relay Postfix delivered to.
    std::string provider_of(const std::string& domain, const std::string& relay, std::int64_t now);
    std::unique_ptr<evidence::Store> evidence;  // the kept NDRs; null when [evidence] has none
    // Counted changes since the last snapshot, beside the state file; opened by restore_state.
    // Declared after the registry, so destroyed (and flushed) before it.
    std::unique_ptr<stats::Journal> journal;

    // Builds the stores sized by the configuration and puts a first Runtime (without resolver) in
    // force, so that everything reads a configuration from the start.
    void prepare(std::shared_ptr<const config::Config> c);

    // Builds the resolver, the PSL, the MX lookups and the full Runtime; "" or the error.
    std::string start(const config::Config& c);

    // Returns the long-lived state the pipeline counts into.
    pipeline::State state();

    // Evaluates every alert rule on the counters and logs each transition.
    void evaluate_alerts();

    // Saves the counters to the state file (if configured); returns "" or the error, and logs it.
    std::string save_state();

    // Restores the counters from the state file, and the alerts from the file beside it, at start,
    // logging what happened.
    void restore_state();

    // Restores the alerts firing before a restart (after the rules are set).
    void restore_alerts();

    // Loads the configuration file again; swaps it in when every part is valid. Returns "" or the
    // errors joined.
    std::string reload(std::string_view reason);
    std::atomic<bool> last_reload_ok{true};  // for the metrics; config.loaded_at() is the last good

  private:
    std::mutex state_mutex_;
    std::uint64_t snapshots_taken_ = 0;  // under state_mutex_

    // Applies the counter journal after the snapshot and opens a new segment (restore_state).
    void open_journal(const std::string& state_file, std::uint64_t snapshot);

    // reload() without recording its outcome.
    std::string reload_once(std::string_view reason);
};

// Returns the configuration to start with, or the errors; a missing default file means built-in
// defaults.
config::LoadResult initial_config(const std::string& path, bool path_given);

// Applies the [log] section to the log output; returns an error (and keeps the old output) when
// the new one cannot be opened.
std::string apply_log_settings(const config::Config& c);

}  // namespace mxpulse::milter
