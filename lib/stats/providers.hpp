// Which provider serves a destination domain: configured names first, then what was learned
// from MX records or Remote-MTA names, keyed by the registrable domain of the mail host.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mxpulse::stats {

// Maps destination domains to provider keys; thread-safe, bounded by count and by bytes.
//
// Memory: what was learned costs its three strings plus about 160 bytes of map node and bucket;
// the learned part stays below kLearnedBudget (4 MiB, about 20,000 domains with their mail hosts),
// an arbitrary entry forgotten beyond it. Forgetting costs little: the registry keeps each
// tracked destination's provider itself, and the next MX answer or bounce teaches it again.
class ProviderMap {
  public:
    static constexpr std::size_t kLearnedBudget = 4u * 1024 * 1024;

    using Configured = std::vector<std::pair<std::string, std::vector<std::string>>>;
    using Registrable = std::function<std::string(std::string_view host)>;

    // configured: provider name -> domains or mail-host registrable domains it covers.
    // registrable: returns the registrable domain of a host name ("" when it has none).
    ProviderMap(const Configured& configured, Registrable registrable,
                std::size_t max_learned = 100'000, std::size_t learned_budget = kLearnedBudget);

    // Returns the provider of a domain, or "" while nothing is known about it.
    std::string lookup(std::string_view domain, std::int64_t now) const;

    // Records the mail host serving a domain (primary MX, or a DSN's Remote-MTA) until expires.
    // A learned MX host replaces a Remote-MTA guess; a Remote-MTA never replaces an MX. Returns
    // the provider the domain now belongs to ("" when the answer changed nothing).
    std::string learn(std::string_view domain, std::string_view mail_host, bool from_mx,
                      std::int64_t expires);

    // How a domain was grouped: its provider, the mail host that put it there and where that
    // host came from ("configured", "mx" or "remote-mta").
    struct Grouping {
        std::string provider;
        std::string mail_host;
        std::string source;
        std::int64_t expires = 0;  // 0 for configured
    };

    // Returns how a domain is grouped now, or nullopt while nothing is known.
    std::optional<Grouping> grouping(std::string_view domain, std::int64_t now) const;

    // Takes over what another map learned (after a reload rebuilt the configured part).
    void adopt_learned(const ProviderMap& previous);

    // Returns true when the domain's mail host was learned from MX and has not expired.
    bool has_mx(std::string_view domain, std::int64_t now) const;

    // Returns the domains learned and the bytes they cost.
    std::size_t learned_count() const;
    std::size_t learned_bytes() const;

  private:
    // Returns the configured name for a key (domain or host registrable domain), or "".
    std::string configured_name(std::string_view key) const;

    struct Learned {
        std::string provider;
        bool from_mx = false;
        std::int64_t expires = 0;
        std::string mail_host;
    };
    // Returns the bytes one learned entry costs.
    static std::size_t cost(const std::string& domain, const Learned& l) {
        return 160 + domain.size() + l.provider.size() + l.mail_host.size();
    }

    // Adds a learned entry, forgetting others beyond the bounds; mutex held.
    void insert_learned(std::string domain, Learned l);

    std::unordered_map<std::string, std::string> configured_;  // domain or host key -> name
    Registrable registrable_;
    std::size_t max_learned_;
    std::size_t learned_budget_;
    std::size_t learned_bytes_ = 0;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Learned> learned_;
};

}  // namespace mxpulse::stats
