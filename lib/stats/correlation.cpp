// Outbound messages remembered by Message-ID, bounded by count and age, for DSN correlation.
#include "stats/correlation.hpp"

#include <algorithm>
#include <functional>

#include "stats/codec.hpp"

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

Correlation::Correlation(std::size_t max_entries, std::int64_t max_age_s, std::size_t budget_bytes)
    : max_entries_(max_entries), max_age_s_(max_age_s), budget_(budget_bytes) {}

namespace {

// Packs a Message-ID and its record in the compact encoding.
std::string pack(std::string_view id, const OutboundRecord& r) {
    std::string out;
    Encoder e(out);
    e.str(id);
    e.s(r.sent_at);
    e.str(r.sender);
    e.u(r.domains.size());
    for (std::size_t i = 0; i < r.domains.size(); ++i) {
        e.str(r.domains[i]);
        e.u(i < r.rcpts.size() ? r.rcpts[i] : 1);
        e.u(i < r.failed.size() ? r.failed[i] : 0);
    }
    return out;
}

// Unpacks a record whose Message-ID is id; nullopt when the entry is another Message-ID's.
std::optional<OutboundRecord> unpack(std::string_view packed, std::string_view id) {
    Decoder d(packed);
    if (d.str(kMaxMessageIdBytes) != id) return std::nullopt;
    OutboundRecord r;
    r.sent_at = d.s();
    r.sender = d.str(kMaxMessageIdBytes);
    std::uint64_t n = d.u(kMaxCorrelationDomains);
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
        r.domains.push_back(d.str(1024));
        r.rcpts.push_back(static_cast<std::uint32_t>(d.u(UINT32_MAX)));
        r.failed.push_back(static_cast<std::uint32_t>(d.u(UINT32_MAX)));
    }
    if (!d.done()) return std::nullopt;
    return r;
}

}  // namespace

void Correlation::pop_oldest() {
    auto it = map_.find(order_.front().second);
    if (it != map_.end()) {
        bytes_ -= std::min(bytes_, cost(it->second.size));
        map_.erase(it);
    }
    order_.pop_front();
}

void Correlation::expire(std::int64_t now) {
    while (!order_.empty() && order_.front().first < now - max_age_s_) {
        pop_oldest();
        ++expired_;
    }
}

void Correlation::remember(std::string_view message_id, OutboundRecord record, std::int64_t now) {
    std::string key = normalize_message_id(message_id);
    if (key.empty() || max_entries_ == 0) return;
    if (record.domains.size() > kMaxCorrelationDomains)
        record.domains.resize(kMaxCorrelationDomains);
    record.rcpts.resize(record.domains.size(), 1);
    record.failed.assign(record.domains.size(), 0);
    if (record.sender.size() > kMaxMessageIdBytes) record.sender.resize(kMaxMessageIdBytes);
    record.sent_at = record.sent_at == 0 ? now : record.sent_at;
    std::string packed = pack(key, record);
    std::uint64_t hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    expire(now);
    // A Message-ID seen before, or (about never) another one of the same hash: the first stays.
    if (map_.count(hash)) return;
    while (!order_.empty() &&
           (map_.size() >= max_entries_ || bytes_ + cost(packed.size()) > budget_)) {
        pop_oldest();
        ++evicted_;
    }
    order_.emplace_back(record.sent_at, hash);
    store(hash, packed);
}

void Correlation::store(std::uint64_t hash, const std::string& packed) {
    Packed p{std::make_unique<char[]>(packed.size()), static_cast<std::uint32_t>(packed.size())};
    std::copy(packed.begin(), packed.end(), p.data.get());
    auto [it, fresh] = map_.try_emplace(hash);
    if (!fresh) bytes_ -= std::min(bytes_, cost(it->second.size));
    it->second = std::move(p);
    bytes_ += cost(packed.size());
}

std::optional<OutboundRecord> Correlation::find(std::string_view message_id, std::int64_t now) {
    std::string key = normalize_message_id(message_id);
    if (key.empty()) return std::nullopt;
    std::uint64_t hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    expire(now);
    auto it = map_.find(hash);
    if (it == map_.end()) return std::nullopt;
    return unpack(std::string_view(it->second.data.get(), it->second.size), key);
}

std::optional<std::int64_t> Correlation::claim(std::string_view message_id, std::string_view domain,
                                               std::int64_t now) {
    std::string key = normalize_message_id(message_id);
    if (key.empty()) return std::nullopt;
    std::uint64_t hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    expire(now);
    auto it = map_.find(hash);
    if (it == map_.end()) return std::nullopt;
    // Another Message-ID of the same hash does not match: nothing is claimed against it.
    std::optional<OutboundRecord> r =
        unpack(std::string_view(it->second.data.get(), it->second.size), key);
    if (!r) return std::nullopt;
    for (std::size_t i = 0; i < r->domains.size(); ++i) {
        if (r->domains[i] != domain) continue;
        if (r->failed[i] >= r->rcpts[i]) return std::nullopt;
        ++r->failed[i];
        std::int64_t sent_at = r->sent_at;
        store(hash, pack(key, *r));  // grows by a byte at most, once per varint step
        // The budget holds after the growth too: older entries make room, never this one.
        while (bytes_ > budget_ && !order_.empty() && order_.front().second != hash) {
            pop_oldest();
            ++evicted_;
        }
        return sent_at;
    }
    return std::nullopt;
}

std::size_t Correlation::size() const {
    std::lock_guard lock(mutex_);
    return map_.size();
}

std::size_t Correlation::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
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
