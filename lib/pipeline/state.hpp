// The long-lived state a message is counted into: owned once by the process, handed to the
// pipeline.
#pragma once

#include <cstdint>
#include <string_view>

#include "evidence/store.hpp"
#include "pipeline/dedup.hpp"
#include "stats/auth_counters.hpp"
#include "stats/correlation.hpp"
#include "stats/counters.hpp"
#include "stats/history.hpp"
#include "stats/registry.hpp"

namespace mxpulse::pipeline {

// Where MX lookups are asked for; the daemon resolves them in the background.
class MxRequests {
  public:
    virtual ~MxRequests() = default;

    // Asks for the MX of a destination domain; returns false when the request was dropped
    // because a bound was reached.
    virtual bool request(std::string_view domain, std::int64_t now) = 0;
};

// The counters, registry and stores that outlive every configuration.
struct State {
    stats::Counters& counters;
    stats::Registry& registry;
    stats::Correlation& correlation;
    stats::AuthCounters& auth_counters;
    MxRequests* mx = nullptr;             // nullptr: no lookups (offline use)
    BounceDedup* dedup = nullptr;         // nullptr: every bounce is counted
    evidence::Store* evidence = nullptr;  // nullptr: NDRs are not kept on disk
    stats::History* history = nullptr;    // nullptr: no hourly history
};

}  // namespace mxpulse::pipeline
