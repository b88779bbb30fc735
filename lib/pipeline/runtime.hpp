// Everything a configuration implies, built and validated as one immutable object and swapped
// whole.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "auth/evaluate.hpp"
#include "auth/org_domain.hpp"
#include "config/config.hpp"
#include "dns/resolver.hpp"
#include "log/logger.hpp"
#include "stats/providers.hpp"

namespace mxpulse::pipeline {

// A configuration and what it implies: the settings, the auth evaluator (nullptr when [auth] is
// disabled), the provider map, the alert rules and tagging rules (in the settings), and the log
// output settings.
struct Runtime {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const auth::Evaluator> evaluator;
    std::shared_ptr<stats::ProviderMap> providers;
    log::Settings log;
};

// What building a Runtime needs that outlives configurations.
struct RuntimeDeps {
    const dns::Resolver* resolver = nullptr;  // nullptr: the evaluator is not built
    std::shared_ptr<const auth::PublicSuffixList> psl;
};

// A Runtime, or why it could not be built.
struct BuildResult {
    std::shared_ptr<const Runtime> runtime;
    std::string error;
};

// Returns the log output settings of a configuration.
log::Settings log_settings(const config::Config& c);

// Builds every part a configuration implies without touching what is in force; the provider map
// takes over what the previous Runtime learned.
BuildResult build_runtime(std::shared_ptr<const config::Config> config, const RuntimeDeps& deps,
                          const Runtime* previous);

// Returns the options, comma-separated, whose change between a and b waits for a restart.
std::string restart_only_changes(const config::Config& a, const config::Config& b);

// Holds the Runtime in force: readers take it without blocking, a reload swaps it in one store.
class RuntimeHolder {
  public:
    // Returns the Runtime in force (nullptr before the first set()).
    std::shared_ptr<const Runtime> get() const { return current_.load(); }

    // Puts a Runtime in force and stamps the time.
    void set(std::shared_ptr<const Runtime> r, std::int64_t now);

    // Returns the Unix time of the last set().
    std::int64_t loaded_at() const { return loaded_at_.load(); }

  private:
    std::atomic<std::shared_ptr<const Runtime>> current_;
    std::atomic<std::int64_t> loaded_at_{0};
};

}  // namespace mxpulse::pipeline
