// One Postfix log line into the trace store and the per-destination outcome counts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "postlog/line.hpp"
#include "postlog/outcomes.hpp"
#include "postlog/tracker.hpp"

namespace mxpulse::postlog {

// Returns the provider of a destination domain, given the relay Postfix delivered to ("" when
// none is known); it may learn the grouping from the relay host.
using ProviderOf = std::function<std::string(const std::string& domain,
                                             const std::string& relay_host, std::int64_t now)>;

// Lines read, by what they were.
struct IngestCounts {
    std::atomic<std::uint64_t> lines{0};
    std::atomic<std::uint64_t> deliveries{0};
    std::atomic<std::uint64_t> malformed{0};
    std::atomic<std::uint64_t> too_long{0};

    // Returns the counts as JSON.
    nlohmann::json to_json() const;
};

// Feeds lines into a tracker and the outcomes; thread-safe where they are.
class Ingest {
  public:
    Ingest(Tracker& tracker, Outcomes& outcomes, ProviderOf provider_of)
        : tracker_(tracker), outcomes_(outcomes), provider_of_(std::move(provider_of)) {}

    // Parses and takes one line; returns what it was.
    Kind line(std::string_view text, std::int64_t now, std::size_t max_len);

    // Counts n lines skipped as too long by the reader.
    void count_too_long(std::size_t n) { counts_.too_long += n; }

    const IngestCounts& counts() const { return counts_; }

  private:
    // Takes a delivery record: the trace attempt and the outcome count.
    void delivery(const Record& r, std::int64_t now);

    // Takes a qmgr "status=expired": counts each recipient still deferred as expired.
    void expired(const Record& r, std::int64_t now);

    Tracker& tracker_;
    Outcomes& outcomes_;
    ProviderOf provider_of_;
    IngestCounts counts_;
};

}  // namespace mxpulse::postlog
