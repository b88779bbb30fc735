// Outbound messages remembered by Message-ID, so that a returning bounce can be linked to its
// original: bounded by count (oldest forgotten first) and by age, each bound hit counted.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxpulse::stats {

// What is remembered of one outbound message.
struct OutboundRecord {
    std::int64_t sent_at = 0;
    std::string sender;
    std::vector<std::string> domains;        // recipient domains, at most kMaxCorrelationDomains
    std::vector<std::uint32_t> rcpts = {};   // recipients sent to each domain (empty: one each)
    std::vector<std::uint32_t> failed = {};  // failures already counted against each domain's rcpts
};

inline constexpr std::size_t kMaxCorrelationDomains = 16;
inline constexpr std::size_t kMaxMessageIdBytes = 256;

// Returns a Message-ID in the form it is remembered under: trimmed, without angle brackets.
std::string normalize_message_id(std::string_view id);

// The bounded store; safe to use from several threads.
//
// Memory: each record is kept packed (Message-ID, sender, domains with their recipient and claimed
// failure counts, and time in the state file's
// compact encoding) in a map keyed by the Message-ID's hash; the bytes held, counted with the
// map's and the age list's own overhead, stay below a budget (kDefaultBudget: 8 MiB, about 50,000
// typical messages), the oldest forgotten first, as for the count bound.
class Correlation {
  public:
    static constexpr std::size_t kDefaultBudget = 8u * 1024 * 1024;

    Correlation(std::size_t max_entries, std::int64_t max_age_s,
                std::size_t budget_bytes = kDefaultBudget);

    // Remembers an outbound message at now; an empty or duplicate Message-ID is ignored.
    void remember(std::string_view message_id, OutboundRecord record, std::int64_t now);

    // Returns the outbound record of a Message-ID when it is remembered and not too old.
    std::optional<OutboundRecord> find(std::string_view message_id, std::int64_t now);

    // Counts one failed recipient at domain against the message's sends, when the message is
    // remembered, went to that domain, and fewer failures than recipients were counted against it
    // so far; returns the send time then, else nullopt. The failures counted against a send never
    // outnumber its recipients, so a rate over sends stays within 100 %.
    std::optional<std::int64_t> claim(std::string_view message_id, std::string_view domain,
                                      std::int64_t now);

    // Returns the entries held, the bytes they cost, and how many were forgotten for count (or
    // bytes) or age.
    std::size_t size() const;
    std::size_t bytes() const;
    std::uint64_t evicted_count() const;
    std::uint64_t expired_count() const;

  private:
    // One remembered message, packed.
    struct Packed {
        std::unique_ptr<char[]> data;
        std::uint32_t size = 0;
    };

    // Forgets entries older than the age bound; mutex held.
    void expire(std::int64_t now);

    // Stores an entry's packed bytes under hash, replacing what was there; mutex held.
    void store(std::uint64_t hash, const std::string& packed);

    // Forgets the oldest entry; mutex held.
    void pop_oldest();

    // Returns the bytes one entry of that packed size costs.
    static std::size_t cost(std::size_t packed) { return packed + kEntryOverhead; }

    // Map node, bucket and age-list slot of one entry, beside its packed bytes.
    static constexpr std::size_t kEntryOverhead = 80;

    mutable std::mutex mutex_;
    std::size_t max_entries_;
    std::int64_t max_age_s_;
    std::size_t budget_;
    std::size_t bytes_ = 0;
    std::unordered_map<std::uint64_t, Packed> map_;             // Message-ID hash -> record
    std::deque<std::pair<std::int64_t, std::uint64_t>> order_;  // oldest first
    std::uint64_t evicted_ = 0;
    std::uint64_t expired_ = 0;
};

}  // namespace mxpulse::stats
