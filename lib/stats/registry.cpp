// The per-destination and per-provider health registry: bounded, sharded, cheap under contention.
#include "stats/registry.hpp"

#include <algorithm>
#include <unordered_map>

namespace mxpulse::stats {

namespace {

// One ranked row of `top`.
struct Row {
    std::string name;
    std::string provider;
    std::uint64_t outbound = 0, failed = 0, delayed = 0, patterns = 0;
    std::uint64_t failed_of_sends = 0, unmatched = 0;

    // Returns the row's rate (failed of the sends over the sends).
    Rate rate() const { return {failed_of_sends, outbound, unmatched}; }
};

// Returns the value a row is ranked by.
double rank_value(const Row& r, By by) {
    switch (by) {
        case By::failures:
            return static_cast<double>(r.failed);
        case By::rate:
            return r.rate().value();
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
    r.failed_of_sends += d.failed_of_sends(w, now);
    r.unmatched += d.unmatched(w, now);
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
    : options_(options),
      per_shard_(std::max<std::size_t>(1, options.max_destinations / kShards)),
      evidence_per_shard_(options.evidence_bytes / kShards) {}

void Registry::Shard::unlink(Entry* e) {
    (e->newer ? e->newer->older : newest) = e->older;
    (e->older ? e->older->newer : oldest) = e->newer;
    e->newer = e->older = nullptr;
}

void Registry::Shard::push_newest(Entry* e) {
    e->older = newest;
    e->newer = nullptr;
    (newest ? newest->newer : oldest) = e;
    newest = e;
}

std::size_t Registry::shard_index(std::string_view domain) {
    return std::hash<std::string_view>{}(domain) % kShards;
}

Registry::Shard& Registry::shard_of(std::string_view domain) {
    return shards_[shard_index(domain)];
}

Destination& Registry::touch(Shard& s, std::string_view domain) {
    auto it = s.map.find(std::string(domain));
    if (it != s.map.end()) {
        s.unlink(&it->second);
        s.push_newest(&it->second);
        return it->second.dest;
    }
    if (s.map.size() >= per_shard_ && s.oldest) {
        Shard::Entry* quietest = s.oldest;
        auto victim = s.map.find(*quietest->name);
        {
            std::lock_guard lock(other_mutex_);
            other_.merge(victim->second.dest, options_.samples);
        }
        s.evidence -= std::min(s.evidence, victim->second.dest.evidence_bytes());
        s.unlink(quietest);
        s.map.erase(victim);
        evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    auto [pos, inserted] = s.map.try_emplace(std::string(domain));
    pos->second.name = &pos->first;
    s.push_newest(&pos->second);
    return pos->second.dest;
}

void Registry::trim_evidence(Shard& s) {
    if (s.evidence <= evidence_per_shard_) return;
    // Down to seven eighths of the share, so that trimming is not repeated at every bounce.
    std::size_t target = evidence_per_shard_ / 8 * 7;
    // The newest (the destination just counted) keeps its evidence.
    for (Shard::Entry* e = s.oldest; e && e != s.newest && s.evidence > target; e = e->newer) {
        std::size_t before = e->dest.evidence_bytes();
        if (e->dest.drop_samples() == 0) continue;
        s.evidence -= std::min(s.evidence, before - e->dest.evidence_bytes());
        evidence_trimmed_.fetch_add(1, std::memory_order_relaxed);
    }
}

void Registry::record_outbound(std::string_view domain, std::string_view provider,
                               std::uint32_t rcpts, std::int64_t now) {
    Shard& s = shard_of(domain);
    std::lock_guard lock(s.mutex);
    // Told under the shard's lock, so that the journal orders it against a snapshot's visit.
    if (auto* o = observer_.load(std::memory_order_acquire))
        o->on_outbound(domain, provider, rcpts, now);
    Destination& d = touch(s, domain);
    if (!provider.empty()) d.provider = provider;
    d.add_outbound(rcpts, now);
}

bool Registry::set_provider(std::string_view domain, std::string_view provider) {
    if (auto* o = observer_.load(std::memory_order_acquire)) o->on_set_provider(domain, provider);
    Shard& s = shard_of(domain);
    std::lock_guard lock(s.mutex);
    auto it = s.map.find(std::string(domain));
    if (it == s.map.end() || it->second.dest.provider == provider) return false;
    it->second.dest.provider = provider;
    return true;
}

void Registry::record_bounce(std::string_view domain, std::string_view provider,
                             const BounceEvent& e, std::int64_t now, std::int64_t sent_at) {
    Shard& s = shard_of(domain);
    std::lock_guard lock(s.mutex);
    if (auto* o = observer_.load(std::memory_order_acquire))
        o->on_bounce(domain, provider, e, now, sent_at);
    Destination& d = touch(s, domain);
    if (!provider.empty()) d.provider = provider;
    std::size_t before = d.evidence_bytes();
    d.add_bounce(e, now, options_.samples, sent_at);
    s.evidence = s.evidence - std::min(s.evidence, before) + d.evidence_bytes();
    trim_evidence(s);
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
    std::unordered_map<std::string, Row> by_provider;
    if (scope == Scope::provider) by_provider.reserve(tracked() + 1);
    // Ranks before (value descending, name ascending).
    auto before = [by](const Row& a, const Row& b) {
        double x = rank_value(a, by), y = rank_value(b, by);
        return x != y ? x > y : a.name < b.name;
    };
    // For domains only the best n are kept while scanning (a heap whose top is the worst kept),
    // so that names are copied only for candidates.
    Row probe;
    for_each([&](const std::string& name, const Destination& d) {
        if (scope == Scope::domain) {
            probe.outbound = probe.failed = probe.delayed = probe.patterns = 0;
            probe.failed_of_sends = probe.unmatched = 0;
            add_counts(probe, d, w, now);
            if (probe.outbound + probe.failed + probe.delayed == 0 || n == 0) return;
            if (rows.size() >= n) {
                double x = rank_value(probe, by), y = rank_value(rows.front(), by);
                if (x < y || (x == y && name > rows.front().name)) return;
                std::pop_heap(rows.begin(), rows.end(), before);
                rows.pop_back();
            }
            probe.name = name;
            probe.provider = d.provider;
            rows.push_back(probe);
            std::push_heap(rows.begin(), rows.end(), before);
        } else {
            add_counts(by_provider.try_emplace(provider_key(name, d)).first->second, d, w, now);
        }
    });
    // Providers: the same bounded selection over the aggregated rows, names copied at the end.
    std::vector<std::pair<const std::string*, const Row*>> best;
    auto better = [&](const auto& a, const auto& b) {
        double x = rank_value(*a.second, by), y = rank_value(*b.second, by);
        return x != y ? x > y : *a.first < *b.first;
    };
    for (const auto& [k, r] : by_provider) {
        if (r.outbound + r.failed + r.delayed == 0 || n == 0) continue;
        std::pair<const std::string*, const Row*> c{&k, &r};
        if (best.size() >= n) {
            if (!better(c, best.front())) continue;
            std::pop_heap(best.begin(), best.end(), better);
            best.pop_back();
        }
        best.push_back(c);
        std::push_heap(best.begin(), best.end(), better);
    }
    for (const auto& [k, r] : best) {
        rows.push_back(*r);
        rows.back().name = *k;
    }
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
        nlohmann::json row = r.rate().to_json();
        row[scope == Scope::domain ? "domain" : "provider"] = r.name;
        row["outbound_rcpts"] = r.outbound;
        row["failed"] = r.failed;
        row["delayed"] = r.delayed;
        row["patterns"] = r.patterns;
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
    if (auto* o = observer_.load(std::memory_order_acquire)) o->on_reset(name);
    std::size_t removed = 0;
    for (Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        for (auto it = s.map.begin(); it != s.map.end();) {
            if (name.empty() || it->first == name || it->second.dest.provider == name) {
                s.evidence -= std::min(s.evidence, it->second.dest.evidence_bytes());
                s.unlink(&it->second);
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

std::size_t Registry::evidence_bytes() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mutex);
        n += s.evidence;
    }
    return n;
}

void Registry::visit_shard(std::size_t i,
                           const std::function<void(const std::string&, const Destination&)>& f,
                           const std::function<void()>& done) const {
    const Shard& s = shards_.at(i);
    std::lock_guard lock(s.mutex);
    for (const Shard::Entry* e = s.oldest; e; e = e->newer)
        f(*e->name, e->dest);
    if (done) done();
}

void Registry::visit_other(const std::function<void(const Destination&)>& f) const {
    std::lock_guard lock(other_mutex_);
    f(other_);
}

void Registry::restore_destination(const std::string& name, Destination&& d) {
    Shard& s = shard_of(name);
    std::lock_guard lock(s.mutex);
    Destination& slot = touch(s, name);
    s.evidence -= std::min(s.evidence, slot.evidence_bytes());
    slot = std::move(d);
    s.evidence += slot.evidence_bytes();
    trim_evidence(s);
}

void Registry::restore_other(Destination&& d) {
    std::lock_guard lock(other_mutex_);
    other_ = std::move(d);
}

}  // namespace mxpulse::stats
