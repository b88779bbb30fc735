// The daemon's shared state: configuration in force, counters, and the reload procedure.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/engine.hpp"
#include "auth/evaluate.hpp"
#include "auth/org_domain.hpp"
#include "config/holder.hpp"
#include "config/loader.hpp"
#include "dns/resolver.hpp"
#include "mx_lookups.hpp"
#include "stats/auth_counters.hpp"
#include "stats/correlation.hpp"
#include "stats/counters.hpp"
#include "stats/providers.hpp"
#include "stats/registry.hpp"

namespace mxpulse::milter {

// Everything the milter callbacks, the control thread and the signal thread share.
struct App {
    std::string config_path;  // "" when running on built-in defaults
    bool config_path_given = false;
    config::Holder config;
    stats::Counters counters;
    std::mutex reload_mutex;
    std::atomic<bool> stopping{false};                // no new sessions are analysed
    std::atomic<std::int64_t> abandoned_sessions{0};  // still open when the grace period ended
    std::unique_ptr<stats::Registry> registry;        // sized by [stats] at start
    std::unique_ptr<dns::Resolver> resolver;          // the one resolver, built from [dns] at start
    std::shared_ptr<const auth::PublicSuffixList> psl;  // for provider keys (registrable domains)
    stats::AuthCounters auth_counters;
    std::unique_ptr<MxLookups> mx;  // destroyed before the resolver it uses
    alerts::Engine alerts;

    // Evaluates every alert rule on the counters and logs each transition.
    void evaluate_alerts();

    // Builds the resolver, the PSL and the evaluator from the configuration; "" or the error.
    std::string start_auth(const config::Config& c);

    // Returns the evaluator in force, or nullptr when [auth] is disabled.
    std::shared_ptr<const auth::Evaluator> evaluator() const;
    std::unique_ptr<stats::Correlation> correlation;  // outbound Message-IDs, sized at start

    // Saves the counters to the state file (if configured); returns "" or the error, and logs it.
    std::string save_state();

    // Restores the counters from the state file at start, logging what happened.
    void restore_state();

    // Returns the provider map in force (rebuilt from [providers] on reload).
    std::shared_ptr<stats::ProviderMap> providers() const;

    // Replaces the provider map after a configuration change.
    void set_providers(const config::Config& c);

  private:
    mutable std::mutex providers_mutex_;
    std::shared_ptr<const auth::Evaluator> evaluator_;
    std::mutex state_mutex_;
    std::shared_ptr<stats::ProviderMap> providers_;

  public:
    // Loads the configuration file again; swaps it in when valid. Returns "" or the errors joined.
    std::string reload(std::string_view reason);
};

// Returns the configuration to start with, or the errors; a missing default file means built-in
// defaults.
config::LoadResult initial_config(const std::string& path, bool path_given);

// Applies the [log] section to the log output; returns an error (and keeps the old output) when
// the new one cannot be opened.
std::string apply_log_settings(const config::Config& c);

}  // namespace mxpulse::milter
