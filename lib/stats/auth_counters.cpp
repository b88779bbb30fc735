// SPF, DKIM and DMARC outcomes of outbound mail, counted per sender domain.
#include "stats/auth_counters.hpp"

#include <algorithm>

namespace mxpulse::stats {

namespace {
// Returns the index of an outcome name; unknown names count as "none".
std::size_t outcome_index(std::string_view name) {
    auto it = std::find(kAuthOutcomes.begin(), kAuthOutcomes.end(), name);
    return it == kAuthOutcomes.end() ? 0 : static_cast<std::size_t>(it - kAuthOutcomes.begin());
}
}  // namespace

void AuthCounters::record(std::string_view sender_domain, std::string_view spf,
                          std::string_view dkim, std::string_view dmarc) {
    std::lock_guard lock(mutex_);
    std::string key(sender_domain.empty() ? "(null sender)" : sender_domain);
    auto it = domains_.find(key);
    if (it == domains_.end()) {
        if (domains_.size() >= max_domains_) key = "other";
        it = domains_.try_emplace(key).first;
    }
    ++it->second[0][outcome_index(spf)];
    ++it->second[1][outcome_index(dkim)];
    ++it->second[2][outcome_index(dmarc)];
}

nlohmann::json AuthCounters::counts_json(const Counts& c) {
    nlohmann::json j = nlohmann::json::object();
    const char* names[] = {"spf", "dkim", "dmarc"};
    for (std::size_t m = 0; m < 3; ++m) {
        nlohmann::json o = nlohmann::json::object();
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < kAuthOutcomes.size(); ++i) {
            o[std::string(kAuthOutcomes[i])] = c[m][i];
            total += c[m][i];
        }
        o["messages"] = total;
        o["pass_rate"] =
            total == 0 ? 0.0 : static_cast<double>(c[m][1]) / static_cast<double>(total);
        j[names[m]] = o;
    }
    return j;
}

std::optional<nlohmann::json> AuthCounters::domain(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = domains_.find(std::string(name));
    if (it == domains_.end()) return std::nullopt;
    return counts_json(it->second);
}

nlohmann::json AuthCounters::to_json() const {
    std::lock_guard lock(mutex_);
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, c] : domains_)
        j[name] = counts_json(c);
    return j;
}

}  // namespace mxpulse::stats
