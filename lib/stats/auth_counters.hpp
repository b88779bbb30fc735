// SPF, DKIM and DMARC outcomes of outbound mail, counted per sender domain (bounded).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/window.hpp"

namespace mxpulse::stats {

// The outcomes counted for each mechanism (RFC 7208 / 6376 / 7489 result names).
inline constexpr std::array<std::string_view, 8> kAuthOutcomes{
    "none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy"};

// Counts per sender domain; domains beyond the cap fold into "other".
class AuthCounters {
  public:
    explicit AuthCounters(std::size_t max_domains = 10'000) : max_domains_(max_domains) {}

    // Counts one message's outcomes (names from kAuthOutcomes) for its sender domain at now.
    void record(std::string_view sender_domain, std::string_view spf, std::string_view dkim,
                std::string_view dmarc, std::int64_t now);

    // Returns one sender domain's counts and pass rates, or nullopt when never seen.
    std::optional<nlohmann::json> domain(std::string_view name) const;

    // Returns every sender domain's counts.
    nlohmann::json to_json() const;

    // Returns the auth table of one sender domain (or of all when name is empty): per domain
    // and window (1h, 24h, total) the messages and, per method, passes and pass rate. A rate is
    // null and "evaluated" false where no outbound mail was seen: never 0 %.
    nlohmann::json report(std::string_view name, std::int64_t now) const;

    // Returns (sender domain, messages, DMARC failures) in a window, for every sender domain.
    std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> windowed(
        Window w, std::int64_t now) const;

    // Outcome totals of one sender domain: [method][outcome], methods spf, dkim, dmarc.
    using Counts =
        std::array<std::array<std::uint64_t, kAuthOutcomes.size()>, 3>;  // spf, dkim, dmarc

    // Returns (sender domain, outcome totals) for every sender domain, copied under the lock.
    std::vector<std::pair<std::string, Counts>> totals() const;

    // Writes every sender domain's counts and windows in the state file's encoding.
    void encode(Encoder& e) const;

    // Replaces the counts with those written by encode(); returns false (counts unchanged) when
    // malformed. Sender domains beyond the cap fold into "other", as when counted.
    bool decode(Decoder& d);

    // Forgets every sender domain.
    void clear();

  private:
    // One sender domain: outcome totals, and messages and DMARC failures in rolling windows.
    struct Domain {
        Counts counts{};
        Series messages;
        Series dmarc_fail;
        std::array<Series, 3> passes;  // spf, dkim, dmarc passes
    };

    // Adds another domain's counts and windows into d.
    static void merge(Domain& d, const Domain& other);

    // Returns one domain's rows of the auth table; mutex held.
    static nlohmann::json report_of(const std::string& name, const Domain& d, std::int64_t now);

    // Returns the JSON of one set of counts with pass rates.
    static nlohmann::json counts_json(const Counts& c);

    std::size_t max_domains_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Domain> domains_;
};

}  // namespace mxpulse::stats
