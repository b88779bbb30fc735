// Remembering the bounces counted recently, so that one NDR delivered twice is counted once.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "stats/destination.hpp"

namespace mxpulse::pipeline {

// A bounded set of bounce keys seen within a time window; thread-safe.
class BounceDedup {
  public:
    // Keeps at most MAX_ENTRIES keys, each for WINDOW_S seconds.
    BounceDedup(std::size_t max_entries, std::int64_t window_s);

    // Returns true when KEY was not seen within the window (and remembers it), false for a
    // duplicate (counted). An empty key is never a duplicate.
    bool first(const std::string& key, std::int64_t now);

    // Returns the duplicates found, the keys held, and the keys forgotten early for the bound.
    std::uint64_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }
    std::size_t size() const;
    std::uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }

  private:
    // Forgets the keys older than the window, and the oldest beyond the bound; mutex held.
    void expire(std::int64_t now);

    std::size_t max_entries_;
    std::int64_t window_s_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::int64_t> seen_;      // key hash -> first seen
    std::deque<std::pair<std::int64_t, std::uint64_t>> order_;  // oldest first
    std::atomic<std::uint64_t> duplicates_{0};
    std::atomic<std::uint64_t> evicted_{0};
};

// Returns the identity of a counted bounce: the original's Message-ID (or, unknown, the NDR's
// own), the recipient and the status; "" when the bounce has neither Message-ID.
std::string dedup_key(const stats::BounceEvent& e);

}  // namespace mxpulse::pipeline
