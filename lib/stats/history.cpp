// Hourly failure history of the destinations and providers that fail, bounded.
#include "stats/history.hpp"

#include <algorithm>

#include "stats/codec.hpp"

namespace mxpulse::stats {

namespace {
constexpr std::size_t kMaxName = 1024;

// Returns the ring slot of an hour.
std::size_t slot(std::int64_t hour) {
    return static_cast<std::size_t>(hour % History::kHours);
}
}  // namespace

void History::Entry::advance(std::int64_t hour) {
    if (hour <= last_hour) return;
    if (hour - last_hour >= kHours) {
        failed.fill(0);
        outbound.fill(0);
        failed_sum = 0;
    } else {
        for (std::int64_t h = last_hour + 1; h <= hour; ++h) {
            failed_sum -= failed[slot(h)];
            failed[slot(h)] = 0;
            outbound[slot(h)] = 0;
        }
    }
    last_hour = hour;
}

History::Entry& History::touch(Map& m, std::string_view name, std::int64_t hour, bool& evicted) {
    auto it = m.find(std::string(name));
    if (it != m.end()) return it->second;
    if (m.size() >= max_ && !m.empty()) {
        auto least = m.end();
        std::uint64_t fewest = 0;
        for (auto i = m.begin(); i != m.end(); ++i) {
            i->second.advance(hour);
            std::uint64_t f = i->second.failures();
            if (least == m.end() || f < fewest) {
                fewest = f;
                least = i;
            }
        }
        m.erase(least);
        ++evictions_;
        evicted = true;
    }
    Entry& e = m[std::string(name)];
    e.last_hour = hour;
    return e;
}

bool History::record_failure(std::string_view domain, std::string_view provider, std::int64_t now) {
    if (max_ == 0) return false;
    std::int64_t hour = now / 3600;
    bool evicted = false;
    std::lock_guard lock(mutex_);
    Entry& d = touch(domains_, domain, hour, evicted);
    d.advance(hour);
    ++d.failed[slot(hour)];
    ++d.failed_sum;
    if (!provider.empty()) {
        Entry& p = touch(providers_, provider, hour, evicted);
        p.advance(hour);
        ++p.failed[slot(hour)];
        ++p.failed_sum;
    }
    return evicted;
}

void History::record_outbound(std::string_view domain, std::string_view provider, std::uint32_t n,
                              std::int64_t now) {
    std::int64_t hour = now / 3600;
    std::lock_guard lock(mutex_);
    for (auto [m, name] : {std::pair{&domains_, domain}, std::pair{&providers_, provider}}) {
        if (name.empty()) continue;
        auto it = m->find(std::string(name));
        if (it == m->end()) continue;
        it->second.advance(hour);
        it->second.outbound[slot(hour)] += n;
    }
}

nlohmann::json History::view(const Entry& stored, std::int64_t hour) {
    Entry e = stored;
    e.advance(hour);
    nlohmann::json hours = nlohmann::json::array();
    std::array<std::uint64_t, 24> by_hour_of_day{};
    for (std::int64_t h = hour - kHours + 1; h <= hour; ++h) {
        if (h < 0) continue;
        std::uint32_t f = e.failed[slot(h)], o = e.outbound[slot(h)];
        by_hour_of_day[static_cast<std::size_t>(h % 24)] += f;
        if (f || o) hours.push_back({{"hour", h * 3600}, {"failed", f}, {"outbound", o}});
    }
    return {{"hours", hours},
            {"hour_of_day_failed", by_hour_of_day},
            {"failed_7d", e.failures()},
            {"kept_hours", kHours}};
}

std::optional<nlohmann::json> History::domain(std::string_view name, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = domains_.find(std::string(name));
    if (it == domains_.end()) return std::nullopt;
    return view(it->second, now / 3600);
}

std::optional<nlohmann::json> History::provider(std::string_view name, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = providers_.find(std::string(name));
    if (it == providers_.end()) return std::nullopt;
    return view(it->second, now / 3600);
}

std::size_t History::size() const {
    std::lock_guard lock(mutex_);
    return domains_.size() + providers_.size();
}

std::uint64_t History::evictions() const {
    std::lock_guard lock(mutex_);
    return evictions_;
}

void History::reset(std::string_view name) {
    std::lock_guard lock(mutex_);
    if (name.empty()) {
        domains_.clear();
        providers_.clear();
        return;
    }
    domains_.erase(std::string(name));
    providers_.erase(std::string(name));
}

void History::encode(Encoder& e) const {
    std::lock_guard lock(mutex_);
    e.u(evictions_);
    for (const Map* m : {&domains_, &providers_}) {
        e.u(m->size());
        for (const auto& [name, entry] : *m) {
            e.str(name);
            e.s(entry.last_hour);
            // Only the hours with counts: (age in hours, failed, outbound).
            std::uint64_t used = 0;
            for (std::int64_t i = 0; i < kHours; ++i)
                used += entry.failed[slot(entry.last_hour - i + kHours)] ||
                        entry.outbound[slot(entry.last_hour - i + kHours)];
            e.u(used);
            for (std::int64_t i = 0; i < kHours; ++i) {
                std::size_t s = slot(entry.last_hour - i + kHours);
                if (!entry.failed[s] && !entry.outbound[s]) continue;
                e.u(static_cast<std::uint64_t>(i));
                e.u(entry.failed[s]);
                e.u(entry.outbound[s]);
            }
        }
    }
}

bool History::decode(Decoder& d) {
    std::uint64_t evictions = d.u();
    Map maps[2];
    for (Map& m : maps) {
        std::uint64_t n = d.u(max_ * 2 + 1);
        for (std::uint64_t k = 0; k < n && !d.failed(); ++k) {
            std::string name = d.str(kMaxName);
            Entry e;
            e.last_hour = d.s();
            if (e.last_hour < 0) return false;
            std::uint64_t used = d.u(kHours);
            for (std::uint64_t i = 0; i < used && !d.failed(); ++i) {
                std::uint64_t age = d.u(kHours - 1);
                std::size_t s = slot(e.last_hour - static_cast<std::int64_t>(age) + kHours);
                e.failed_sum -= e.failed[s];  // an hour written twice counts once
                e.failed[s] = static_cast<std::uint32_t>(d.u(0xffffffffu));
                e.failed_sum += e.failed[s];
                e.outbound[s] = static_cast<std::uint32_t>(d.u(0xffffffffu));
            }
            if (m.size() < max_) m.emplace(std::move(name), e);  // a smaller bound since: cut
        }
    }
    if (d.failed()) return false;
    std::lock_guard lock(mutex_);
    evictions_ = evictions;
    domains_ = std::move(maps[0]);
    providers_ = std::move(maps[1]);
    return true;
}

}  // namespace mxpulse::stats
