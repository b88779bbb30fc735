// The queue seen by one `postqueue -j` scan, per destination domain and per provider, qshape-style.
#include "postlog/queue_view.hpp"

#include <algorithm>

#include "dsn/classify.hpp"
#include "dsn/codes.hpp"
#include "dsn/provider_patterns.hpp"
#include "util/strings.hpp"

namespace mxpulse::postlog {

namespace {

constexpr std::size_t kMaxCache = 1024;   // distinct delay reasons classified per scan
constexpr std::size_t kMaxExample = 300;  // bytes of the example delay reason kept
constexpr std::size_t kTopReasons = 5;

// Returns the age column of a message that arrived age_s seconds ago.
std::size_t age_column(std::int64_t age_s) {
    for (std::size_t i = 0; i < kQueueAgeBuckets.size(); ++i)
        if (age_s < static_cast<std::int64_t>(kQueueAgeBuckets[i]) * 60) return i;
    return kQueueAgeBuckets.size();
}

// Returns the top entries of a count map as [{name: count}] rows, largest first.
nlohmann::json top(const std::map<std::string, std::uint64_t>& m, const char* name) {
    std::vector<std::pair<std::string, std::uint64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < v.size() && i < kTopReasons; ++i)
        out.push_back({{name, v[i].first}, {"recipients", v[i].second}});
    return out;
}

}  // namespace

QueueGroup& QueueView::group(std::unordered_map<std::string, QueueGroup>& map,
                             const std::string& key, std::uint64_t& folded) {
    auto it = map.find(key);
    if (it != map.end()) return it->second;
    if (map.size() >= max_) {
        ++folded;
        return map["other"];
    }
    return map[key];
}

const std::pair<std::string, std::vector<std::string>>& QueueView::classify(
    const std::string& text) {
    auto it = cache_.find(text);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCache) cache_.clear();
    std::string status = dsn::find_status(text);
    auto& slot = cache_[text];
    slot = {dsn::reason_for(text, status, dsn::default_rules()), dsn::provider_patterns(text)};
    return slot;
}

void QueueView::count(QueueGroup& g, const QueuedMessage& m,
                      const std::vector<const QueuedRecipient*>& rcpts) {
    const std::string& q = m.queue_name;
    if (q == "deferred") {
        ++g.deferred;
        if (m.arrival_time > 0 && (g.oldest_arrival == 0 || m.arrival_time < g.oldest_arrival))
            g.oldest_arrival = m.arrival_time;
        ++g.ages[age_column(now_ - m.arrival_time)];
        for (const QueuedRecipient* r : rcpts) {
            if (r->delay_reason.empty()) continue;
            const auto& [reason, patterns] = classify(r->delay_reason);
            ++g.reasons[reason.empty() ? "unknown" : reason];
            for (const std::string& p : patterns)
                ++g.patterns[p];
            g.example = r->delay_reason.substr(0, kMaxExample);
        }
    } else if (q == "active") {
        ++g.active;
    } else if (q == "hold") {
        ++g.hold;
    } else {
        ++g.other;
    }
}

void QueueView::add(const QueuedMessage& m) {
    ++messages_;
    if (m.queue_name == "deferred") ++deferred_;
    std::map<std::string, std::vector<const QueuedRecipient*>> by_domain;
    for (const QueuedRecipient& r : m.recipients) {
        std::string d = util::address_domain(r.address);
        by_domain[d.empty() ? "localhost" : d].push_back(&r);
    }
    std::map<std::string, std::vector<const QueuedRecipient*>> by_provider;
    for (const auto& [domain, rcpts] : by_domain) {
        std::string p = provider_of_ ? provider_of_(domain) : std::string();
        if (p.empty()) p = domain;
        QueueGroup& g = group(domains_, domain, folded_domains_);
        if (g.provider.empty()) g.provider = p;
        count(g, m, rcpts);
        auto& pr = by_provider[p];
        pr.insert(pr.end(), rcpts.begin(), rcpts.end());
    }
    for (const auto& [provider, rcpts] : by_provider)
        count(group(providers_, provider, folded_providers_), m, rcpts);
}

std::vector<QueueView::Row> QueueView::rows(bool by_provider) const {
    std::vector<Row> out;
    for (const auto& [key, g] : by_provider ? providers_ : domains_)
        out.push_back({key, g.deferred, g.oldest_arrival == 0 ? 0 : now_ - g.oldest_arrival});
    std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
        return a.deferred != b.deferred ? a.deferred > b.deferred : a.key < b.key;
    });
    return out;
}

nlohmann::json QueueView::to_json(bool by_provider) const {
    const auto& map = by_provider ? providers_ : domains_;
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows(by_provider)) {
        const QueueGroup& g = map.at(r.key);
        nlohmann::json j{{by_provider ? "provider" : "domain", r.key},
                         {"deferred", g.deferred},
                         {"active", g.active},
                         {"hold", g.hold},
                         {"other", g.other},
                         {"oldest_age_s", r.oldest_age_s},
                         {"oldest_arrival", g.oldest_arrival},
                         {"ages", g.ages},
                         {"reasons", top(g.reasons, "reason")},
                         {"patterns", g.patterns},
                         {"example", g.example}};
        if (!by_provider) j["provider"] = g.provider;
        out.push_back(std::move(j));
    }
    nlohmann::json buckets = nlohmann::json::array();
    for (int b : kQueueAgeBuckets)
        buckets.push_back(b);
    return {{"by", by_provider ? "provider" : "domain"},
            {"messages", messages_},
            {"deferred", deferred_},
            {"folded_into_other", by_provider ? folded_providers_ : folded_domains_},
            {"age_buckets_min", buckets},
            {"rows", std::move(out)}};
}

}  // namespace mxpulse::postlog
