// The alert engine: evaluates rules on samples with hysteresis and a sustain time, and reports
// each transition once (raised, cleared); keeps the active alerts and the recent ones.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "alerts/samples.hpp"
#include "config/config.hpp"

namespace mxpulse::alerts {

// One change of state of a rule for a key.
struct Transition {
    bool raised = true;  // false: cleared
    std::string rule, key, metric, window, severity;
    double value = 0, threshold = 0;
    std::uint64_t events = 0;
    std::int64_t at = 0;
};

// One alert firing now.
struct Active {
    std::string rule, scope, key, severity;
    std::int64_t since = 0;
};

// Evaluates rules and remembers which alerts are active.
class Engine {
  public:
    // Replaces the rules; state of rules that keep their name (and definition) is kept.
    void set_rules(std::vector<config::AlertRule> rules);

    // Returns the rules in force.
    std::vector<config::AlertRule> rules() const;

    // Feeds one rule's samples at now; returns the transitions it caused.
    std::vector<Transition> observe(const config::AlertRule& rule,
                                    const std::vector<Sample>& samples, std::int64_t now);

    // Returns the active alerts and the recent transitions as JSON.
    nlohmann::json to_json() const;

    // Returns the alerts firing now.
    std::vector<Active> active() const;

    // Returns how often each rule has been raised since start.
    std::map<std::string, std::uint64_t> raised_totals() const;

    // Returns the firing and pending alerts and the raise totals, to survive a restart.
    nlohmann::json snapshot() const;

    // Takes back a snapshot's alerts for the rules in force (call after set_rules); returns the
    // alerts restored, or -1 and ERROR when the snapshot is unusable. Never throws.
    int restore(const nlohmann::json& snapshot, std::string& error) noexcept;

    // Forgets every alert of a scope key ("" = all) without logging a clear: the counters behind
    // it were reset, the problem did not end.
    std::size_t forget(std::string_view key);

  private:
    // What is known about one rule and key.
    struct State {
        double value = 0;
        std::uint64_t events = 0;
        std::int64_t above_since = -1;  // when the value first reached raise; -1 while below
        bool firing = false;
        std::int64_t raised_at = 0;
        std::string severity;
    };

    static constexpr std::size_t kMaxStatesPerRule = 10'000;
    static constexpr std::size_t kRecent = 100;

    mutable std::mutex mutex_;
    std::vector<config::AlertRule> rules_;
    std::map<std::pair<std::string, std::string>, State> states_;  // (rule, key)
    std::deque<Transition> recent_;
    std::map<std::string, std::uint64_t> raised_totals_;
};

}  // namespace mxpulse::alerts
