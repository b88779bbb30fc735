// Outbound messages remembered by Message-ID, bounded by count and age, for DSN correlation.
#include "stats/correlation.hpp"

namespace mxpulse::stats {

std::string normalize_message_id(std::string_view id) {
    while (!id.empty() && (id.front() == ' ' || id.front() == '\t' || id.front() == '<'))
        id.remove_prefix(1);
    while (!id.empty() && (id.back() == ' ' || id.back() == '\t' || id.back() == '>' ||
                           id.back() == '\r' || id.back() == '\n'))
        id.remove_suffix(1);
    if (id.size() > kMaxMessageIdBytes) return {};
    return std::string(id);
}

Correlation::Correlation(std::size_t max_entries, std::int64_t max_age_s)
    : max_entries_(max_entries), max_age_s_(max_age_s) {}

void Correlation::expire(std::int64_t now) {
    while (!order_.empty() && order_.front().first < now - max_age_s_) {
        map_.erase(order_.front().second);
        order_.pop_front();
        ++expired_;
    }
}

void Correlation::remember(std::string_view message_id, OutboundRecord record, std::int64_t now) {
    std::string key = normalize_message_id(message_id);
    if (key.empty() || max_entries_ == 0) return;
    if (record.domains.size() > kMaxCorrelationDomains)
        record.domains.resize(kMaxCorrelationDomains);
    if (record.sender.size() > kMaxMessageIdBytes) record.sender.resize(kMaxMessageIdBytes);
    std::lock_guard lock(mutex_);
    expire(now);
    if (map_.count(key)) return;
    while (map_.size() >= max_entries_ && !order_.empty()) {
        map_.erase(order_.front().second);
        order_.pop_front();
        ++evicted_;
    }
    record.sent_at = record.sent_at == 0 ? now : record.sent_at;
    order_.emplace_back(record.sent_at, key);
    map_.emplace(std::move(key), std::move(record));
}

std::optional<OutboundRecord> Correlation::find(std::string_view message_id, std::int64_t now) {
    std::string key = normalize_message_id(message_id);
    if (key.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    expire(now);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
}

std::size_t Correlation::size() const {
    std::lock_guard lock(mutex_);
    return map_.size();
}

std::uint64_t Correlation::evicted_count() const {
    std::lock_guard lock(mutex_);
    return evicted_;
}

std::uint64_t Correlation::expired_count() const {
    std::lock_guard lock(mutex_);
    return expired_;
}

}  // namespace mxpulse::stats
