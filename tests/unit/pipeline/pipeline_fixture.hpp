// A pipeline under test: a Runtime from TOML text, in-memory state, and messages fed as the MTA
// would feed them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/intake.hpp"
#include "pipeline/process.hpp"
#include "pipeline/state.hpp"

namespace mxpulse::pipeline::testing {

// Records the MX requests instead of resolving them; refuses them once `full` is set.
class RecordedMx final : public MxRequests {
  public:
    bool request(std::string_view domain, std::int64_t) override {
        if (full) return false;
        asked.emplace_back(domain);
        return true;
    }
    std::vector<std::string> asked;
    bool full = false;
};

// One envelope and the message text (headers, blank line, body) as an MTA passes it.
struct Mail {
    std::string client = "127.0.0.1";
    std::string sender;  // "<>" for the null sender
    std::vector<std::string> recipients;
    std::string text;
    std::string queue_id = "4ABC123";
};

// The pieces process() needs, with the counters and stores held in memory.
class Pipeline {
  public:
    // Builds the Runtime from TOML (empty: built-in defaults); auth stays off unless the text
    // turns it on, which needs a resolver and is not done here.
    explicit Pipeline(const std::string& toml = "");

    // Feeds one message through an Intake and returns what process() decided at NOW.
    Outcome run(const Mail& mail, std::int64_t now);

    std::shared_ptr<const Runtime> runtime;
    stats::Counters counters;
    stats::Registry registry;
    stats::Correlation correlation{1000, 86400 * 7};
    stats::AuthCounters auth_counters;
    RecordedMx mx;
    BounceDedup dedup{1000, 48 * 3600};

    State state() { return State{counters, registry, correlation, auth_counters, &mx, &dedup}; }
};

// Returns the events of type T in an Outcome.
template <typename T>
std::vector<T> events_of(const Outcome& out) {
    std::vector<T> found;
    for (const Event& e : out.events) {
        if (const T* t = std::get_if<T>(&e)) found.push_back(*t);
    }
    return found;
}

}  // namespace mxpulse::pipeline::testing
