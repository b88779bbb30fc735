// What is counted for one destination domain: outbound recipients, failures and delays in rolling
// windows, reasons, families, patterns, top status codes with sample diagnostics, bounce samples.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/window.hpp"

namespace mxpulse::stats {

// One failed or delayed recipient from a returning bounce, as counted and sampled.
struct BounceEvent {
    std::string recipient;
    std::string action;  // failed | delayed
    std::string status;
    std::string reply_code;
    std::string reason;
    std::string family;
    std::string cause_status;
    std::vector<std::string> patterns;
    std::string diagnostic;
    std::string remote_mta;
    std::string last_attempt;  // ISO 8601 with offset
    std::string queue_id;      // of the bounce on this gateway
    std::string bounce_message_id;
    std::string original_message_id;
    std::int64_t seen_at = 0;            // Unix time the bounce passed the gateway
    std::int64_t time_to_bounce_s = -1;  // from the original's send time, when it was correlated
};

// A status code with how often it was seen and its latest example.
struct StatusCount {
    std::string status;
    std::uint64_t count = 0;
    std::string sample_diagnostic;
    std::string remote_mta;
    std::string last_attempt;
};

// Bounded per-destination caps.
inline constexpr std::size_t kMaxLabels = 24;   // reasons, families, patterns each
inline constexpr std::size_t kMaxStatuses = 8;  // top status codes kept

// Counters of one destination (or of the "other" bucket).
class Destination {
  public:
    // Counts one outbound message with rcpts recipients here.
    void add_outbound(std::uint32_t rcpts, std::int64_t now);

    // Counts one failed or delayed recipient; keeps it as a sample when samples > 0.
    void add_bounce(const BounceEvent& e, std::int64_t now, std::size_t samples);

    // Adds everything of another destination into this one (eviction into "other").
    void merge(const Destination& other, std::size_t samples);

    // Returns the windowed counts at now: outbound recipients, failed, delayed.
    std::uint64_t outbound(Window w, std::int64_t now) const { return out_rcpts_.sum(w, now / 60); }
    std::uint64_t failed(Window w, std::int64_t now) const {
        return f_ ? f_->failed.sum(w, now / 60) : 0;
    }
    std::uint64_t delayed(Window w, std::int64_t now) const {
        return f_ ? f_->delayed.sum(w, now / 60) : 0;
    }

    // Returns the count of one pattern (or of all patterns when name is empty) in a window.
    std::uint64_t pattern(std::string_view name, Window w, std::int64_t now) const;

    // Returns the time of the latest activity (outbound or bounce).
    std::int64_t last_activity() const { return std::max(last_outbound_, last_failure_); }

    // Returns the JSON view of this destination at now.
    nlohmann::json to_json(std::int64_t now, bool with_samples) const;

    // Snapshot round trip; from_snapshot returns false on a malformed document.
    nlohmann::json snapshot() const;
    bool from_snapshot(const nlohmann::json& j);

    std::string provider;  // the provider this destination belongs to ("" while unknown)

  private:
    // The parts that only destinations with bounces need, allocated on the first bounce.
    struct Failures {
        Series failed;
        Series delayed;
        std::vector<std::pair<std::string, std::uint64_t>> reasons;
        std::vector<std::pair<std::string, std::uint64_t>> families;
        std::vector<std::pair<std::string, Series>> patterns;
        std::vector<StatusCount> statuses;
        std::deque<BounceEvent> samples;
    };

    // Returns the failure part, creating it.
    Failures& failures();

    Series out_rcpts_;
    std::uint64_t out_messages_ = 0;
    std::int64_t first_seen_ = 0;
    std::int64_t last_outbound_ = 0;
    std::int64_t last_failure_ = 0;
    std::unique_ptr<Failures> f_;
};

// Returns failed / outbound as a ratio (0 when nothing went out).
double failure_rate(std::uint64_t failed, std::uint64_t outbound);

}  // namespace mxpulse::stats
