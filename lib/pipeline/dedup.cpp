// Remembering the bounces counted recently, so that one NDR delivered twice is counted once.
#include "pipeline/dedup.hpp"

#include <bit>
#include <functional>

#include "util/strings.hpp"

namespace mxpulse::pipeline {

BounceDedup::BounceDedup(std::size_t max_entries, std::int64_t window_s)
    : max_entries_(max_entries), window_s_(window_s) {}

std::size_t BounceDedup::budget_bytes() const {
    if (max_entries_ == 0) return 0;
    return max_entries_ * sizeof(Slot) + std::bit_ceil(max_entries_ * 2) * sizeof(std::uint32_t);
}

std::size_t BounceDedup::find(std::uint64_t hash) const {
    std::size_t mask = index_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
        std::uint32_t v = index_[i];
        if (v == 0 || ring_[v - 1].hash == hash) return i;
    }
}

void BounceDedup::pop_oldest() {
    std::size_t mask = index_.size() - 1;
    std::size_t i = find(ring_[head_].hash);
    // Backward-shift deletion keeps every probe sequence unbroken.
    for (std::size_t j = i;;) {
        index_[i] = 0;
        std::size_t home = 0;
        do {
            j = (j + 1) & mask;
            if (index_[j] == 0) {
                head_ = (head_ + 1) % max_entries_;
                --count_;
                return;
            }
            home = static_cast<std::size_t>(ring_[index_[j] - 1].hash) & mask;
        } while (i <= j ? (i < home && home <= j) : (i < home || home <= j));
        index_[i] = index_[j];
        i = j;
    }
}

void BounceDedup::expire(std::int64_t now) {
    while (count_ > 0 && (ring_[head_].at <= now - window_s_ || count_ >= max_entries_)) {
        if (ring_[head_].at > now - window_s_) evicted_.fetch_add(1, std::memory_order_relaxed);
        pop_oldest();
    }
}

bool BounceDedup::first(const std::string& key, std::int64_t now) {
    if (key.empty() || max_entries_ == 0) return true;
    std::uint64_t hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    if (ring_.empty()) {
        ring_.resize(max_entries_);
        index_.resize(std::bit_ceil(max_entries_ * 2));
    }
    // Keys older than the window go first, so that a key found is one seen within it.
    while (count_ > 0 && ring_[head_].at <= now - window_s_)
        pop_oldest();
    if (index_[find(hash)] != 0) {
        duplicates_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    expire(now);  // room for one more
    std::size_t pos = (head_ + count_) % max_entries_;
    ring_[pos] = Slot{hash, now};
    index_[find(hash)] = static_cast<std::uint32_t>(pos + 1);
    ++count_;
    return true;
}

std::size_t BounceDedup::size() const {
    std::lock_guard lock(mutex_);
    return count_;
}

std::string dedup_key(const stats::BounceEvent& e) {
    const std::string& id =
        e.original_message_id.empty() ? e.bounce_message_id : e.original_message_id;
    if (id.empty()) return {};
    return id + '\n' + util::to_lower(e.recipient) + '\n' + e.status;
}

}  // namespace mxpulse::pipeline
