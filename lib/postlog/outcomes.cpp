// Delivery outcomes from Postfix's log counted per destination domain, in the registry's windows.
#include "postlog/outcomes.hpp"

#include <algorithm>

namespace mxpulse::postlog {

namespace {

constexpr std::size_t kMaxLabels = 24;  // reasons and patterns kept per domain
constexpr std::string_view kOther = "other";

// Counts one label in a bounded map; a new label beyond the bound goes to "other".
void bump(std::map<std::string, std::uint64_t>& m, const std::string& label) {
    if (label.empty()) return;
    auto it = m.find(label);
    if (it == m.end() && m.size() >= kMaxLabels)
        it = m.try_emplace(std::string(kOther), 0).first;
    else if (it == m.end())
        it = m.emplace(label, 0).first;
    ++it->second;
}

// Returns the windowed sums of a series as {"1h": n, "24h": n, "total": n}.
nlohmann::json windows(const stats::Series& s, std::int64_t now) {
    nlohmann::json j = nlohmann::json::object();
    for (stats::Window w :
         {stats::Window::m15, stats::Window::h1, stats::Window::h24, stats::Window::total})
        j[std::string(stats::window_name(w))] = s.sum(w, now / 60);
    return j;
}

}  // namespace

Outcomes::Counts& Outcomes::touch(const std::string& domain, std::int64_t now) {
    auto it = map_.find(domain);
    if (it != map_.end()) return it->second;
    if (map_.size() >= max_) {
        auto quietest = map_.end();
        for (auto i = map_.begin(); i != map_.end(); ++i) {
            if (i->first == kOther) continue;
            if (quietest == map_.end() || i->second.last_activity < quietest->second.last_activity)
                quietest = i;
        }
        if (quietest != map_.end()) {
            map_.erase(quietest);  // its counts leave the per-domain view; evictions say so
            ++evictions_;
        }
        if (map_.size() >= max_) return map_[std::string(kOther)];
    }
    Counts& c = map_[domain];
    c.last_activity = now;
    return c;
}

void Outcomes::record(const Attempt& a, std::int64_t now) {
    std::lock_guard lock(mutex_);
    Counts& c = touch(a.domain, now);
    if (!a.provider.empty()) c.provider = a.provider;
    c.last_activity = now;
    std::int64_t minute = now / 60;
    switch (a.status) {
        case Status::sent:
            c.sent.add(minute);
            return;
        case Status::deferred:
            c.deferred.add(minute);
            c.last_deferred = now;
            break;
        case Status::bounced:
            c.bounced.add(minute);
            break;
        case Status::expired:
            c.expired.add(minute);
            break;
        case Status::none:
            return;
    }
    bump(c.reasons, a.reason);
    for (const std::string& p : a.patterns)
        bump(c.patterns, p);
    c.last_reply = a.reply.substr(0, 512);
}

void Outcomes::add_json(const Counts& c, std::int64_t now, nlohmann::json& out) {
    out["sent"] = windows(c.sent, now);
    out["deferred"] = windows(c.deferred, now);
    out["bounced"] = windows(c.bounced, now);
    out["expired"] = windows(c.expired, now);
    out["reasons"] = c.reasons;
    out["patterns"] = c.patterns;
    out["last_reply"] = c.last_reply;
    out["last_deferred"] = c.last_deferred;
}

nlohmann::json Outcomes::domain(std::string_view name, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = map_.find(std::string(name));
    if (it == map_.end()) return nullptr;
    nlohmann::json out{{"domain", it->first}, {"provider", it->second.provider}};
    add_json(it->second, now, out);
    return out;
}

nlohmann::json Outcomes::provider(std::string_view name, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    Counts sum;
    std::vector<std::string> domains;
    for (const auto& [d, c] : map_) {
        if (c.provider != name) continue;
        domains.push_back(d);
        sum.sent.merge(c.sent);
        sum.deferred.merge(c.deferred);
        sum.bounced.merge(c.bounced);
        sum.expired.merge(c.expired);
        for (const auto& [k, v] : c.reasons)
            sum.reasons[k] += v;
        for (const auto& [k, v] : c.patterns)
            sum.patterns[k] += v;
        if (c.last_deferred > sum.last_deferred) {
            sum.last_deferred = c.last_deferred;
            sum.last_reply = c.last_reply;
        }
    }
    if (domains.empty()) return nullptr;
    std::sort(domains.begin(), domains.end());
    nlohmann::json out{{"provider", name}, {"domains", domains}};
    add_json(sum, now, out);
    return out;
}

std::vector<Outcomes::Row> Outcomes::rows(bool by_provider, stats::Window w,
                                          std::int64_t now) const {
    std::lock_guard lock(mutex_);
    std::map<std::string, Row> acc;
    std::int64_t minute = now / 60;
    for (const auto& [d, c] : map_) {
        const std::string& key = by_provider && !c.provider.empty() ? c.provider : d;
        Row& r = acc[key];
        r.key = key;
        r.sent += c.sent.sum(w, minute);
        r.deferred += c.deferred.sum(w, minute);
        r.bounced += c.bounced.sum(w, minute);
        r.expired += c.expired.sum(w, minute);
    }
    std::vector<Row> out;
    for (auto& [k, r] : acc)
        out.push_back(std::move(r));
    return out;
}

std::size_t Outcomes::tracked() const {
    std::lock_guard lock(mutex_);
    return map_.size();
}

std::uint64_t Outcomes::evictions() const {
    std::lock_guard lock(mutex_);
    return evictions_;
}

}  // namespace mxpulse::postlog
