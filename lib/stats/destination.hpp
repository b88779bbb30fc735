// What is counted for one destination domain: outbound recipients, failures and delays in rolling
// windows, reasons, families, patterns, top status codes with sample diagnostics, bounce samples.
#pragma once

#include <cstdint>
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
    std::string original_sender;         // of the correlated outbound message
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

class Encoder;
class Decoder;

// Counters of one destination (or of the "other" bucket).
//
// Memory: what every scan needs (outbound, failed, delayed and pattern series) is kept as objects
// (the delayed, and the failures matched to their sends, only once there are any);
// the evidence that only `domain`, `provider`, merges and snapshots read (reasons, families,
// status codes with their sample texts, bounce samples) is kept packed in the state file's compact
// encoding and unpacked on use. A destination without bounces costs about 120 bytes here, one
// with a bounce a few hundred. Optional history (such as per-hour days for failing
// destinations) belongs in a side table keyed by domain, not in this class.
class Destination {
  public:
    // Counts one outbound message with rcpts recipients here.
    void add_outbound(std::uint32_t rcpts, std::int64_t now);

    // Counts one failed or delayed recipient; keeps it as a sample when samples > 0. sent_at is
    // the send time of the original when this failure was matched to a recipient counted here as
    // outbound (Correlation::claim), else 0: a matched failure counts in the window of its send.
    void add_bounce(const BounceEvent& e, std::int64_t now, std::size_t samples,
                    std::int64_t sent_at = 0);

    // Adds everything of another destination into this one (eviction into "other").
    void merge(const Destination& other, std::size_t samples);

    // Returns the windowed counts at now: outbound recipients, failed, delayed.
    std::uint64_t outbound(Window w, std::int64_t now) const { return out_rcpts_.sum(w, now / 60); }
    std::uint64_t failed(Window w, std::int64_t now) const {
        return f_ ? f_->failed.sum(w, now / 60) : 0;
    }
    std::uint64_t delayed(Window w, std::int64_t now) const {
        return f_ && f_->delayed ? f_->delayed->sum(w, now / 60) : 0;
    }

    // Returns the failed recipients of the sends in a window (matched to their original, counted
    // at the send's time) and the failed recipients arriving in the window without a known send.
    std::uint64_t failed_of_sends(Window w, std::int64_t now) const {
        return f_ && f_->matched ? f_->matched->of_sends.sum(w, now / 60) : 0;
    }
    std::uint64_t unmatched(Window w, std::int64_t now) const;

    // Since when: the first and latest failed recipient (Unix time, 0: none), and the send time of
    // the first outbound message after the latest failure that no failure came back for (0: none
    // yet, or a failure of it or of a later message arrived). "After" is in the order counted: a
    // send counted in the same second as the failure before it is a recovery.
    std::int64_t first_failed() const { return f_ ? std::int64_t{f_->first_failed} : 0; }
    std::int64_t last_failed() const { return f_ ? std::int64_t{f_->last_failed} : 0; }
    std::int64_t recovered_at() const { return f_ ? std::int64_t{f_->recovered_at} : 0; }

    // Returns the count of one pattern (or of all patterns when name is empty) in a window.
    std::uint64_t pattern(std::string_view name, Window w, std::int64_t now) const;

    // Returns the time of the latest activity (outbound or bounce).
    std::int64_t last_activity() const { return std::max(last_outbound_, last_failure_); }

    // Returns the names of the patterns counted here.
    std::vector<std::string> pattern_names() const;

    // Returns the JSON view of this destination at now.
    nlohmann::json to_json(std::int64_t now, bool with_samples) const;

    // Returns the bytes of packed evidence held (status texts and samples).
    std::size_t evidence_bytes() const { return f_ ? f_->packed_size : 0; }

    // Forgets the bounce samples (counted as dropped) and the status codes' sample texts, keeping
    // every count; returns the evidence bytes freed (0 when there were no samples).
    std::size_t drop_samples();

    // Writes the destination in the state file's encoding.
    void encode(Encoder& e) const;

    // Reads a destination written by encode() (format 3) or by a format 2 state file; returns
    // false when malformed.
    bool decode(Decoder& d, unsigned format = 3);

    std::string provider;  // the provider this destination belongs to ("" while unknown)

  private:
    // The evidence, unpacked.
    struct Evidence {
        std::vector<std::pair<std::string, std::uint64_t>> reasons;
        std::vector<std::pair<std::string, std::uint64_t>> families;
        std::vector<StatusCount> statuses;
        std::vector<BounceEvent> samples;  // oldest first
        std::uint64_t samples_dropped = 0;
    };

    // The failed recipients matched to their send (Correlation::claim), allocated at the first:
    // a destination whose failures all come back for mail sent elsewhere (a storm of NDRs for
    // Microsoft 365's mail) never needs it. The unmatched are the failed less those arrived.
    struct Matched {
        Series of_sends;  // at their send's minute
        Series arrived;   // at their arrival's minute, as failed counts them
    };

    // The parts that only destinations with bounces need, allocated on the first bounce (112
    // bytes: the delayed and the matched at their first, the since-when times are Unix seconds
    // in 32 bits, good until 2106).
    struct Failures {
        Series failed;
        std::vector<std::pair<std::string, Series>> patterns;
        std::unique_ptr<char[]> packed;  // Evidence in the compact encoding
        std::unique_ptr<Series> delayed;
        std::unique_ptr<Matched> matched;
        std::uint32_t packed_size = 0;
        std::uint32_t first_failed = 0;
        std::uint32_t last_failed = 0;
        std::uint32_t recovered_at = 0;
    };

    // Returns the failure part, creating it.
    Failures& failures();

    // Reads packed evidence into ev; returns false unless all of it was well-formed.
    static bool unpack(std::string_view packed, Evidence& ev);

    // Returns the evidence unpacked (empty when there is none).
    Evidence evidence() const;

    // Packs the evidence into the failure part.
    void set_evidence(const Evidence& ev);

    Series out_rcpts_;
    std::uint64_t out_messages_ = 0;
    std::int64_t first_seen_ = 0;
    std::int64_t last_outbound_ = 0;
    std::int64_t last_failure_ = 0;
    std::unique_ptr<Failures> f_;
};

// Returns failed / outbound as a ratio (0 when nothing went out).
double failure_rate(std::uint64_t failed, std::uint64_t outbound);

// A failure rate and what it was computed over. The rate is failures over outcomes of the same
// sends: failed recipients of the mail sent in the window (each matched to its original through
// the correlation store, so none counts twice and none without its send) over the recipients
// sent in the window. The numerator is a subset of the denominator, so it cannot exceed 100 %.
// Failures whose original is not known (sent around this gateway, forgotten, or sent before the
// destination was tracked) are counted apart as unmatched and are in no rate. With nothing sent
// in the window there is no rate (basis "none").
struct Rate {
    std::uint64_t failed_of_sends = 0;
    std::uint64_t sends = 0;
    std::uint64_t unmatched = 0;

    // Returns "sends" when there is a denominator, else "none".
    const char* basis() const { return sends ? "sends" : "none"; }

    // Returns the rate in 0..1 (0 when there is no denominator: check basis()).
    double value() const {
        return sends ? static_cast<double>(failed_of_sends) / static_cast<double>(sends) : 0.0;
    }

    // Returns the rate fields of a window's JSON: failure_rate (null without a denominator),
    // rate_basis, failed_of_sends, sends, unmatched_failed.
    nlohmann::json to_json() const;
};

// Returns a destination's rate in a window.
Rate rate_of(const Destination& d, Window w, std::int64_t now);

}  // namespace mxpulse::stats
