// Flood control over fixed intervals per event name and key value.
#include "log/flood.hpp"

namespace mxpulse::log {

void FloodGate::set_limits(const FloodLimits& limits) {
    std::lock_guard lock(mutex_);
    limits_ = limits;
}

bool FloodGate::summary(const std::string& id, const Slot& s, std::int64_t interval_ms,
                        Suppressed& out) {
    if (s.suppressed == 0) return false;
    std::size_t nul = id.find('\0');
    out.event = id.substr(0, nul);
    out.value = id.substr(nul + 1);
    out.key = s.key;
    out.suppressed = s.suppressed;
    out.written = s.written;
    out.interval_ms = interval_ms;
    return true;
}

bool FloodGate::admit(std::string_view event, std::string_view key, std::string_view value,
                      std::int64_t now_ms, std::vector<Suppressed>& ended) {
    std::lock_guard lock(mutex_);
    if (limits_.burst == 0) return true;
    std::string id;
    id.reserve(event.size() + 1 + value.size());
    id.append(event).append(1, '\0').append(value);
    auto it = slots_.find(id);
    if (it == slots_.end()) {
        if (slots_.size() >= limits_.max_keys) {
            id.resize(event.size() + 1);
            id.append(kFloodOverflow);
            it = slots_.find(id);
        }
        if (it == slots_.end())
            it = slots_.emplace(std::move(id), Slot{now_ms, 0, 0, std::string(key)}).first;
    }
    Slot& s = it->second;
    if (now_ms - s.started_ms >= limits_.interval_ms) {
        Suppressed out;
        if (summary(it->first, s, limits_.interval_ms, out)) ended.push_back(std::move(out));
        s.started_ms = now_ms;
        s.written = s.suppressed = 0;
    }
    if (s.written < limits_.burst) {
        ++s.written;
        return true;
    }
    ++s.suppressed;
    auto t = totals_.find(event);
    if (t == totals_.end()) t = totals_.emplace(std::string(event), 0).first;
    ++t->second;
    return false;
}

std::vector<Suppressed> FloodGate::expire(std::int64_t now_ms, bool everything) {
    std::lock_guard lock(mutex_);
    std::vector<Suppressed> out;
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (!everything && now_ms - it->second.started_ms < limits_.interval_ms) {
            ++it;
            continue;
        }
        Suppressed s;
        if (summary(it->first, it->second, limits_.interval_ms, s)) out.push_back(std::move(s));
        it = slots_.erase(it);
    }
    return out;
}

std::size_t FloodGate::tracked() const {
    std::lock_guard lock(mutex_);
    return slots_.size();
}

std::map<std::string, std::uint64_t> FloodGate::suppressed_totals() const {
    std::lock_guard lock(mutex_);
    return {totals_.begin(), totals_.end()};
}

}  // namespace mxpulse::log
