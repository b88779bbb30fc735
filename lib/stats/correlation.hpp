// Outbound messages remembered by Message-ID, so that a returning bounce can be linked to its
// original: bounded by count (oldest forgotten first) and by age, each bound hit counted.
#pragma once

#include <cstdint>
#include <deque>
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
    std::vector<std::string> domains;  // recipient domains, at most kMaxCorrelationDomains
};

inline constexpr std::size_t kMaxCorrelationDomains = 16;
inline constexpr std::size_t kMaxMessageIdBytes = 256;

// Returns a Message-ID in the form it is remembered under: trimmed, without angle brackets.
std::string normalize_message_id(std::string_view id);

// The bounded store; safe to use from several threads.
class Correlation {
  public:
    Correlation(std::size_t max_entries, std::int64_t max_age_s);

    // Remembers an outbound message at now; an empty or duplicate Message-ID is ignored.
    void remember(std::string_view message_id, OutboundRecord record, std::int64_t now);

    // Returns the outbound record of a Message-ID when it is remembered and not too old.
    std::optional<OutboundRecord> find(std::string_view message_id, std::int64_t now);

    // Returns the entries held, and how many were forgotten for count or age.
    std::size_t size() const;
    std::uint64_t evicted_count() const;
    std::uint64_t expired_count() const;

  private:
    // Forgets entries older than the age bound; mutex held.
    void expire(std::int64_t now);

    mutable std::mutex mutex_;
    std::size_t max_entries_;
    std::int64_t max_age_s_;
    std::unordered_map<std::string, OutboundRecord> map_;
    std::deque<std::pair<std::int64_t, std::string>> order_;  // oldest first
    std::uint64_t evicted_ = 0;
    std::uint64_t expired_ = 0;
};

}  // namespace mxpulse::stats
