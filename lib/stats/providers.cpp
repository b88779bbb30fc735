// Which provider serves a destination domain.
#include "stats/providers.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mxpulse::stats {

ProviderMap::ProviderMap(const Configured& configured, Registrable registrable,
                         std::size_t max_learned, std::size_t learned_budget)
    : registrable_(std::move(registrable)),
      max_learned_(max_learned),
      learned_budget_(learned_budget) {
    for (const auto& [name, keys] : configured) {
        for (const std::string& k : keys)
            configured_[util::to_lower(k)] = name;
    }
}

std::string ProviderMap::configured_name(std::string_view key) const {
    auto it = configured_.find(std::string(key));
    return it == configured_.end() ? "" : it->second;
}

std::string ProviderMap::lookup(std::string_view domain, std::int64_t now) const {
    std::string d = util::to_lower(domain);
    if (std::string name = configured_name(d); !name.empty()) return name;
    std::lock_guard lock(mutex_);
    auto it = learned_.find(d);
    if (it == learned_.end() || (it->second.from_mx && it->second.expires < now)) return {};
    return it->second.provider;
}

std::string ProviderMap::learn(std::string_view domain, std::string_view mail_host, bool from_mx,
                               std::int64_t expires) {
    std::string host = util::to_lower(mail_host);
    while (!host.empty() && host.back() == '.')
        host.pop_back();
    std::string key = registrable_ ? registrable_(host) : host;
    if (key.empty()) return {};
    std::string name = configured_name(key);
    std::string provider = name.empty() ? key : name;
    std::string d = util::to_lower(domain);
    std::lock_guard lock(mutex_);
    auto it = learned_.find(d);
    if (it != learned_.end()) {
        if (it->second.from_mx && !from_mx && it->second.expires >= expires) return {};
        bool changed = it->second.provider != provider;
        learned_bytes_ -= std::min(learned_bytes_, cost(it->first, it->second));
        it->second = Learned{provider, from_mx, expires, std::move(host)};
        learned_bytes_ += cost(it->first, it->second);
        return changed ? provider : std::string();
    }
    insert_learned(std::move(d), Learned{provider, from_mx, expires, std::move(host)});
    return provider;
}

void ProviderMap::insert_learned(std::string domain, Learned l) {
    std::size_t c = cost(domain, l);
    while (!learned_.empty() &&
           (learned_.size() >= max_learned_ || learned_bytes_ + c > learned_budget_)) {
        auto victim = learned_.begin();
        learned_bytes_ -= std::min(learned_bytes_, cost(victim->first, victim->second));
        learned_.erase(victim);
    }
    if (max_learned_ == 0 || c > learned_budget_) return;
    learned_.emplace(std::move(domain), std::move(l));
    learned_bytes_ += c;
}

std::size_t ProviderMap::learned_count() const {
    std::lock_guard lock(mutex_);
    return learned_.size();
}

std::size_t ProviderMap::learned_bytes() const {
    std::lock_guard lock(mutex_);
    return learned_bytes_;
}

std::optional<ProviderMap::Grouping> ProviderMap::grouping(std::string_view domain,
                                                           std::int64_t now) const {
    std::string d = util::to_lower(domain);
    if (std::string name = configured_name(d); !name.empty())
        return Grouping{name, "", "configured", 0};
    std::lock_guard lock(mutex_);
    auto it = learned_.find(d);
    if (it == learned_.end() || (it->second.from_mx && it->second.expires < now))
        return std::nullopt;
    const Learned& l = it->second;
    return Grouping{l.provider, l.mail_host, l.from_mx ? "mx" : "remote-mta", l.expires};
}

void ProviderMap::adopt_learned(const ProviderMap& previous) {
    std::unordered_map<std::string, Learned> copy;
    {
        std::lock_guard lock(previous.mutex_);
        copy = previous.learned_;
    }
    std::lock_guard lock(mutex_);
    for (auto& [domain, l] : copy) {
        // The provider name may differ under the new [providers]; keep the host key's mapping.
        std::string name = configured_name(l.provider);
        if (!name.empty()) l.provider = name;
        if (!learned_.count(domain)) insert_learned(domain, std::move(l));
    }
}

bool ProviderMap::has_mx(std::string_view domain, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = learned_.find(util::to_lower(domain));
    return it != learned_.end() && it->second.from_mx && it->second.expires >= now;
}

}  // namespace mxpulse::stats
