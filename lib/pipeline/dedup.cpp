// Remembering the bounces counted recently, so that one NDR delivered twice is counted once.
#include "pipeline/dedup.hpp"

#include <functional>

#include "util/strings.hpp"

namespace mxpulse::pipeline {

BounceDedup::BounceDedup(std::size_t max_entries, std::int64_t window_s)
    : max_entries_(max_entries), window_s_(window_s) {}

void BounceDedup::expire(std::int64_t now) {
    while (!order_.empty() &&
           (order_.front().first <= now - window_s_ || order_.size() > max_entries_)) {
        auto [at, hash] = order_.front();
        order_.pop_front();
        auto it = seen_.find(hash);
        if (it == seen_.end() || it->second != at) continue;  // a newer entry took the key
        if (at > now - window_s_) evicted_.fetch_add(1, std::memory_order_relaxed);
        seen_.erase(it);
    }
}

bool BounceDedup::first(const std::string& key, std::int64_t now) {
    if (key.empty() || max_entries_ == 0) return true;
    std::uint64_t hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    expire(now);
    auto it = seen_.find(hash);
    if (it != seen_.end() && it->second > now - window_s_) {
        duplicates_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    seen_[hash] = now;
    order_.emplace_back(now, hash);
    expire(now);
    return true;
}

std::size_t BounceDedup::size() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
}

std::string dedup_key(const stats::BounceEvent& e) {
    const std::string& id =
        e.original_message_id.empty() ? e.bounce_message_id : e.original_message_id;
    if (id.empty()) return {};
    return id + '\n' + util::to_lower(e.recipient) + '\n' + e.status;
}

}  // namespace mxpulse::pipeline
