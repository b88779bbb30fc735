// Process-wide counters, updated lock-free from milter threads and read by the control socket.
#include "stats/counters.hpp"

#include <ctime>

namespace mxpulse::stats {

std::string_view direction_name(Direction d) {
    switch (d) {
        case Direction::outbound:
            return "outbound";
        case Direction::returning_dsn:
            return "returning_dsn";
        case Direction::other:
            return "other";
        case Direction::count_:
            break;
    }
    return "other";
}

Counters::Counters() : started_at_(std::time(nullptr)) {}

bool Counters::try_open_session(std::int64_t max_sessions) {
    std::int64_t now = sessions_active_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (now > max_sessions) {
        sessions_active_.fetch_sub(1, std::memory_order_relaxed);
        count_limit(Limit::sessions);
        return false;
    }
    sessions_total_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void Counters::snapshot_written(std::int64_t now, std::int64_t ms) {
    snapshots_ok_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(state_mutex_);
    last_snapshot_at_ = now;
    last_snapshot_ms_ = ms;
}

void Counters::snapshot_failed(std::int64_t now, const std::string& error) {
    snapshots_failed_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(state_mutex_);
    last_failure_at_ = now;
    last_error_ = error;
}

nlohmann::json Counters::to_json() const {
    nlohmann::json messages = nlohmann::json::object();
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kDirectionCount; ++i) {
        std::uint64_t v = messages_[i].load(std::memory_order_relaxed);
        messages[std::string(direction_name(static_cast<Direction>(i)))] = v;
        total += v;
    }
    messages["total"] = total;
    nlohmann::json limits = nlohmann::json::object();
    for (std::size_t i = 0; i < kLimitCount; ++i) {
        limits[std::string(limit_name(static_cast<Limit>(i)))] =
            limits_[i].load(std::memory_order_relaxed);
    }
    nlohmann::json state;
    {
        std::lock_guard lock(state_mutex_);
        state = {{"snapshots_written", snapshots_ok_.load(std::memory_order_relaxed)},
                 {"snapshots_failed", snapshots_failed_.load(std::memory_order_relaxed)},
                 {"last_snapshot_at", last_snapshot_at_},
                 {"last_snapshot_ms", last_snapshot_ms_},
                 {"last_failure_at", last_failure_at_},
                 {"last_error", last_error_},
                 {"unusable_at_start", state_unusable_.load(std::memory_order_relaxed)}};
    }
    return {
        {"messages", messages},
        {"state", state},
        {"limits_hit", limits},
        {"failures", failures_.load(std::memory_order_relaxed)},
        {"sessions",
         {{"active", sessions_active_.load(std::memory_order_relaxed)},
          {"total", sessions_total_.load(std::memory_order_relaxed)}}},
    };
}

}  // namespace mxpulse::stats
