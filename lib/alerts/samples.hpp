// The value of an alert rule's metric for each key of its scope, read from the counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "stats/auth_counters.hpp"
#include "stats/registry.hpp"

namespace mxpulse::alerts {

// One key's value and the number of events it rests on.
struct Sample {
    std::string key;
    double value = 0;
    std::uint64_t events = 0;
};

// Returns the samples of a rule at now. Rates are bounded to [0, 1]: failures over the larger of
// outbound recipients and failures (bounces can outlive the window their mail went out in).
std::vector<Sample> samples(const config::AlertRule& rule, const stats::Registry& registry,
                            const stats::AuthCounters& auth,
                            const std::vector<std::string>& own_domains, std::int64_t now);

}  // namespace mxpulse::alerts
