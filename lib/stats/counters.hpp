// Process-wide counters, updated lock-free from milter threads and read by the control socket.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stats/limits.hpp"

namespace mxpulse::stats {

// The direction a message was found to take at end of message.
enum class Direction : std::size_t { outbound, returning_dsn, other, count_ };

inline constexpr std::size_t kDirectionCount = static_cast<std::size_t>(Direction::count_);

// Returns the direction's stable name ("outbound", "returning_dsn", "other").
std::string_view direction_name(Direction d);

// Counters that live as long as the process.
class Counters {
  public:
    Counters();

    // Counts one message in its direction.
    void count_message(Direction d) {
        messages_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
    }

    // Counts one hit of a bound.
    void count_limit(Limit l) {
        limits_[static_cast<std::size_t>(l)].fetch_add(1, std::memory_order_relaxed);
    }

    // Counts one internal failure that ended in the failure action.
    void count_failure() { failures_.fetch_add(1, std::memory_order_relaxed); }

    // Tries to start a session; returns false (and counts the limit) when max sessions are open.
    bool try_open_session(std::int64_t max_sessions);

    // Ends a session started by try_open_session().
    void close_session() { sessions_active_.fetch_sub(1, std::memory_order_relaxed); }

    // Returns the number of sessions open now.
    std::int64_t sessions_active() const {
        return sessions_active_.load(std::memory_order_relaxed);
    }

    // Returns the messages counted in a direction.
    std::uint64_t messages(Direction d) const {
        return messages_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
    }

    // Returns how often a bound was hit.
    std::uint64_t limit_hits(Limit l) const {
        return limits_[static_cast<std::size_t>(l)].load(std::memory_order_relaxed);
    }

    // Records a snapshot written at now in ms milliseconds.
    void snapshot_written(std::int64_t now, std::int64_t ms);

    // Records a failed snapshot at now and why.
    void snapshot_failed(std::int64_t now, const std::string& error);

    // Counts a state file found unusable at start (set aside or, when that failed, ignored).
    void count_state_unusable() { state_unusable_.fetch_add(1, std::memory_order_relaxed); }

    // Returns snapshots written and failed since start, and state files found unusable.
    std::uint64_t snapshots_written() const {
        return snapshots_ok_.load(std::memory_order_relaxed);
    }
    std::uint64_t snapshots_failed() const {
        return snapshots_failed_.load(std::memory_order_relaxed);
    }
    std::uint64_t state_unusable() const { return state_unusable_.load(std::memory_order_relaxed); }

    // Returns the Unix time the counters were created.
    std::int64_t started_at() const { return started_at_; }

    // Returns the counters as the JSON object the status command reports.
    nlohmann::json to_json() const;

  private:
    std::int64_t started_at_;
    std::array<std::atomic<std::uint64_t>, kDirectionCount> messages_{};
    std::array<std::atomic<std::uint64_t>, kLimitCount> limits_{};
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::uint64_t> sessions_total_{0};
    std::atomic<std::int64_t> sessions_active_{0};
    std::atomic<std::uint64_t> snapshots_ok_{0};
    std::atomic<std::uint64_t> snapshots_failed_{0};
    std::atomic<std::uint64_t> state_unusable_{0};
    mutable std::mutex state_mutex_;  // guards the three below
    std::int64_t last_snapshot_at_ = 0;
    std::int64_t last_snapshot_ms_ = 0;
    std::int64_t last_failure_at_ = 0;
    std::string last_error_;
};

}  // namespace mxpulse::stats
