// The per-destination and per-provider health registry: bounded, sharded, cheap under contention.
#include "stats/registry.hpp"

#include <algorithm>
#include <map>

namespace mxpulse::stats {

namespace {

// One ranked row of `top`.
struct Row {
    std::string name;
    std::string provider;
    std::uint64_t outbound = 0, failed = 0, delayed = 0, patterns = 0;
};

// Returns the value a row is ranked by.
double rank_value(const Row& r, By by) {
    switch (by) {
        case By::failures:
            return static_cast<double>(r.failed);
        case By::rate:
            return failure_rate(r.failed, r.outbound);
        case By::pattern:
            return static_cast<double>(r.patterns);
        case By::outbound:
            return static_cast<double>(r.outbound);
    }
    return 0;
}

// Fills a row with a destination's counts in a window.
void add_counts(Row& r, const Destination& d, Window w, std::int64_t now) {
    r.outbound += d.outbound(w, now);
    r.failed += d.failed(w, now);
    r.delayed += d.delayed(w, now);
    r.patterns += d.pattern("", w, now);
}

// Returns the provider a destination is counted under: its provider, or the domain itself.
const std::string& provider_key(const std::string& domain, const Destination& d) {
    return d.provider.empty() ? domain : d.provider;
}

}  // namespace

std::optional<By> parse_by(std::string_view s) {
    if (s == "failures") return By::failures;
    if (s == "rate") return By::rate;
    if (s == "pattern") return By::pattern;
    if (s == "outbound") return By::outbound;
    return std::nullopt;
}

std::optional<Scope> parse_scope(std::string_view s) {
    if (s == "domain") return Scope::domain;
    if (s == "provider") return Scope::provider;
    return std::nullopt;
}

Registry::Registry(RegistryOptions options)
    : options_(options), per_shard_(std::max<std::size_t>(1, options.max_destinations / kShards)) {}

Registry::Shard& Registry::shard_of(std::string_view domain) {
    return shards_[std::hash<std::string_view>{}(domain) % kShards];
}

Destination& Registry::touch(Shard& s, std::string_view domain) {
    auto it = s.map.find(std::string(domain));
    if (it != s.map.end()) {
        s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
        return it->second.dest;
    }
    if (s.map.size() >= per_shard_ && !s.lru.empty()) {
        const std::string* quietest = s.lru.back();
        auto victim = s.map.find(*quietest);
        {
            std::lock_guard lock(other_mutex_);
            other_.merge(victim->second.dest, options_.samples);
        }
        s.lru.pop_back();
        s.map.erase(victim);
        evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    auto [pos, inserted] = s.map.try_emplace(std::string(domain));
    s.lru.push_front(&pos->first);
    pos->second.lru = s.lru.begin();
    return pos->second.dest;
}

void Registry::record_outbound(std::string_view domain, std::string_view provider,
                               std::uint32_t rcpts, std::int64_t now) {
    Shard& s = shard_of(domain);
    std::lock_guard lock(s.mutex);
    Destination& d = touch(s, domain);
    if (!provider.empty()) d.provider = provider;
    d.add_outbound(rcpts, now);
}

void Registry::record_bounce(std::string_view domain, std::string_view provider,
                             const BounceEvent& e, std::int64_t now) {
    Shard& s = shard_of(domain);
    std::lock_guard lock(s.mutex);
    Destination& d = touch(s, domain);
    if (!provider.empty()) d.provider = provider;
    d.add_bounce(e, now, options_.samples);
}

void Registry::for_each(
    const std::function<void(const std::string&, const Destination&)>& f) const {
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        for (const auto& [name, entry] : s.map)
            f(name, entry.dest);
    }
    std::lock_guard lock(other_mutex_);
    static const std::string other(kOtherBucket);
    if (other_.last_activity() != 0) f(other, other_);
}

nlohmann::json Registry::top(std::size_t n, By by, Window w, Scope scope, std::int64_t now) const {
    std::vector<Row> rows;
    std::map<std::string, Row> by_provider;
    for_each([&](const std::string& name, const Destination& d) {
        if (scope == Scope::domain) {
            Row r{name, d.provider};
            add_counts(r, d, w, now);
            rows.push_back(std::move(r));
        } else {
            const std::string& key = provider_key(name, d);
            Row& r = by_provider[key];
            r.name = key;
            add_counts(r, d, w, now);
        }
    });
    for (auto& [k, r] : by_provider)
        rows.push_back(std::move(r));
    // Rows with nothing in the window rank last and are left out.
    std::erase_if(rows, [](const Row& r) { return r.outbound + r.failed + r.delayed == 0; });
    std::size_t keep = std::min(n, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(),
                      [by](const Row& a, const Row& b) {
                          double x = rank_value(a, by), y = rank_value(b, by);
                          return x != y ? x > y : a.name < b.name;
                      });
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < keep; ++i) {
        const Row& r = rows[i];
        nlohmann::json row = {{scope == Scope::domain ? "domain" : "provider", r.name},
                              {"outbound_rcpts", r.outbound},
                              {"failed", r.failed},
                              {"delayed", r.delayed},
                              {"patterns", r.patterns},
                              {"failure_rate", failure_rate(r.failed, r.outbound)}};
        if (scope == Scope::domain) row["provider"] = r.provider;
        out.push_back(std::move(row));
    }
    return {{"window", window_name(w)},
            {"scope", scope == Scope::domain ? "domain" : "provider"},
            {"rows", out}};
}

std::optional<nlohmann::json> Registry::domain(std::string_view name, std::int64_t now) const {
    if (name == kOtherBucket) {
        std::lock_guard lock(other_mutex_);
        nlohmann::json j = other_.to_json(now, true);
        j["domain"] = name;
        return j;
    }
    const Shard& s = shards_[std::hash<std::string_view>{}(name) % kShards];
    std::lock_guard lock(s.mutex);
    auto it = s.map.find(std::string(name));
    if (it == s.map.end()) return std::nullopt;
    nlohmann::json j = it->second.dest.to_json(now, true);
    j["domain"] = name;
    return j;
}

std::optional<nlohmann::json> Registry::provider(std::string_view name, std::int64_t now) const {
    Destination sum;
    std::vector<std::string> domains;
    for_each([&](const std::string& domain, const Destination& d) {
        if (provider_key(domain, d) != name) return;
        sum.merge(d, options_.samples);
        domains.push_back(domain);
    });
    if (domains.empty()) return std::nullopt;
    std::sort(domains.begin(), domains.end());
    nlohmann::json j = sum.to_json(now, true);
    j["provider"] = name;
    j["domains"] = domains;
    return j;
}

std::size_t Registry::reset(std::string_view name) {
    std::size_t removed = 0;
    for (Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        for (auto it = s.map.begin(); it != s.map.end();) {
            if (name.empty() || it->first == name || it->second.dest.provider == name) {
                s.lru.erase(it->second.lru);
                it = s.map.erase(it);
                ++removed;
            } else {
                ++it;
            }
        }
    }
    if (name.empty() || name == kOtherBucket) {
        std::lock_guard lock(other_mutex_);
        other_ = Destination{};
    }
    return removed;
}

std::size_t Registry::tracked() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        n += s.map.size();
    }
    return n;
}

nlohmann::json Registry::snapshot() const {
    nlohmann::json dests = nlohmann::json::object();
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        // Oldest first, so that a restore rebuilds the same recency order.
        for (auto it = s.lru.rbegin(); it != s.lru.rend(); ++it)
            dests[**it] = s.map.at(**it).dest.snapshot();
    }
    std::lock_guard lock(other_mutex_);
    return {{"destinations", dests}, {"other", other_.snapshot()}, {"evictions", evictions()}};
}

bool Registry::restore(const nlohmann::json& snap, std::string& error) {
    if (!snap.is_object() || !snap.contains("destinations") || !snap["destinations"].is_object()) {
        error = "no destinations object";
        return false;
    }
    reset("");
    for (auto& [name, j] : snap["destinations"].items()) {
        Destination d;
        if (!d.from_snapshot(j)) {
            error = "malformed destination \"" + name + "\"";
            reset("");
            return false;
        }
        Shard& s = shard_of(name);
        std::lock_guard lock(s.mutex);
        touch(s, name) = std::move(d);
    }
    std::lock_guard lock(other_mutex_);
    if (snap.contains("other") && !other_.from_snapshot(snap["other"])) {
        error = "malformed other bucket";
        return false;
    }
    evictions_.store(snap.value("evictions", std::uint64_t{0}));
    return true;
}

}  // namespace mxpulse::stats
