// The trace store: what is known of each queue id from the log (and the milter), bounded.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "postlog/line.hpp"

namespace mxpulse::postlog {

// One delivery attempt of one recipient, as the trace shows it.
struct TraceAttempt {
    std::int64_t time = 0;
    std::string recipient;
    std::string orig_recipient;
    std::string relay;  // host[ip]:port as logged
    std::string relay_ip;
    Status status = Status::none;
    std::string dsn;
    std::string reply;
    std::string reason;
    std::vector<std::string> patterns;
    double delay = -1;
};

// Everything known of one queue id.
struct TraceEntry {
    std::string queue_id;
    std::string message_id;
    std::string sender;
    bool sender_seen = false;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::string milter_direction;  // set by the milter ("" when it did not see the message)
    std::int64_t milter_seen = 0;
    nlohmann::json milter_auth;          // the milter's verdicts (null when none)
    std::vector<TraceAttempt> attempts;  // oldest first, bounded
    std::uint32_t attempts_dropped = 0;
    std::string final_state;  // "", sent, bounced, expired; "removed" once the queue file is gone
    bool removed = false;
};

// Bounds of the trace store.
struct TrackerOptions {
    std::size_t max_queue_ids = 100'000;
    std::size_t max_attempts = 32;  // per queue id; the oldest beyond it are dropped and counted
};

// The queue ids seen, oldest evicted first; thread-safe.
class Tracker {
  public:
    explicit Tracker(TrackerOptions o) : options_(o) {}

    // Records a delivery attempt of a queue id.
    void attempt(const std::string& queue_id, TraceAttempt a);

    // Records the sender (qmgr from=), the Message-ID (cleanup) and the end (qmgr removed).
    void sender(const std::string& queue_id, const std::string& from, std::int64_t t);
    void message_id(const std::string& queue_id, const std::string& id, std::int64_t t);
    void expired(const std::string& queue_id, std::int64_t t);
    void removed(const std::string& queue_id, std::int64_t t);

    // Returns the last attempt of each recipient of a queue id whose last attempt was deferred.
    std::vector<TraceAttempt> still_deferred(const std::string& queue_id) const;

    // Records what the milter saw of a queue id.
    void milter(const std::string& queue_id, const std::string& message_id,
                const std::string& direction, nlohmann::json auth, std::int64_t t);

    // Returns every entry whose queue id, Message-ID (with or without angle brackets) or a
    // recipient is id, oldest first, at most limit of them.
    std::vector<TraceEntry> find(std::string_view id, std::size_t limit = 20) const;

    // Returns the queue ids tracked and how many were evicted at the bound.
    std::size_t size() const;
    std::uint64_t evictions() const;

  private:
    // Returns the entry of a queue id, creating it (evicting the oldest at the bound); locked.
    TraceEntry& touch(const std::string& queue_id, std::int64_t t);

    TrackerOptions options_;
    mutable std::mutex mutex_;
    std::list<TraceEntry> entries_;  // oldest first
    std::unordered_map<std::string, std::list<TraceEntry>::iterator> index_;
    std::uint64_t evictions_ = 0;
};

// Returns the JSON view of an entry.
nlohmann::json to_json(const TraceEntry& e);

}  // namespace mxpulse::postlog
