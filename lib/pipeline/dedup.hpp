// Remembering the bounces counted recently, so that one NDR delivered twice is counted once.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "stats/destination.hpp"

namespace mxpulse::pipeline {

// A bounded set of bounce keys seen within a time window; thread-safe.
//
// Memory: 16 bytes per key in a ring (oldest first) plus a 4-byte open-addressed index slot per
// half key, allocated on first use: at the default 200,000 keys about 5 MiB, whatever the keys'
// length (only their 64-bit hashes are kept).
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

    // Returns the bytes the store holds at most (ring and index).
    std::size_t budget_bytes() const;

  private:
    // One remembered key: its hash and when it was first seen.
    struct Slot {
        std::uint64_t hash = 0;
        std::int64_t at = 0;
    };

    // Forgets the keys older than the window, and the oldest beyond the bound; mutex held.
    void expire(std::int64_t now);

    // Returns the index position holding ring position pos + 1 for hash, or the empty position
    // where it would go; mutex held.
    std::size_t find(std::uint64_t hash) const;

    // Removes the oldest key from the ring and the index; mutex held.
    void pop_oldest();

    std::size_t max_entries_;
    std::int64_t window_s_;
    mutable std::mutex mutex_;
    std::vector<Slot> ring_;            // max_entries_ slots once used
    std::vector<std::uint32_t> index_;  // ring position + 1, 0 when free; a power of two
    std::size_t head_ = 0;              // ring position of the oldest key
    std::size_t count_ = 0;
    std::atomic<std::uint64_t> duplicates_{0};
    std::atomic<std::uint64_t> evicted_{0};
};

// Returns the identity of a counted bounce: the original's Message-ID (or, unknown, the NDR's
// own), the recipient and the status; "" when the bounce has neither Message-ID.
std::string dedup_key(const stats::BounceEvent& e);

}  // namespace mxpulse::pipeline
