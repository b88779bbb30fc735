// The evidence bundle: what a provider's support desk asks for about one destination or provider.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stats/registry.hpp"

namespace mxpulse::evidence {

// How many samples and Message-IDs a bundle carries at most.
inline constexpr std::size_t kMaxSamples = 10;
inline constexpr std::size_t kMaxMessageIds = 20;
inline constexpr std::size_t kMaxRecipientsPerDomain = 50;

// What a bundle is asked for.
struct Request {
    std::string name;                  // a destination domain or a provider
    std::int64_t since_s = 48 * 3600;  // how far back samples are taken
    std::int64_t now = 0;              // Unix time the bundle is made at
    std::int64_t until = 0;            // end of the window (0: now)
    std::string pattern{};             // kept NDRs only with this tag or text ("" = all)
    std::string sender_domain{};       // kept NDRs only of this sender domain ("" = all)
    bool texts = false;                // include every kept NDR's text (for eml and mbox)
    std::string scope{};               // "domain", "provider" or "" (a domain, else a provider)
};

// Builds the bundle from a health document (Registry::domain or Registry::provider) of the given
// scope ("domain" or "provider"). The document's samples are filtered to the time window.
nlohmann::json build(const Request& r, std::string_view scope, const nlohmann::json& health);

// Writes the summary paragraph of b again (after the kept NDRs were added to it).
void resummarize(nlohmann::json& b);

// Looks the name up as a destination, then as a provider; nullopt when neither is known.
std::optional<nlohmann::json> build_from(const stats::Registry& registry, const Request& r);

// Formats a Unix time as local ISO 8601 with its offset ("2026-11-23T07:09:10+00:00").
std::string iso_time(std::int64_t unix_time);

// Formats a Unix time as UTC ISO 8601 ("2026-11-23T07:09:10Z").
std::string utc_time(std::int64_t unix_time);

// Returns the local time zone as "NAME (+HH:MM)" at the given time.
std::string time_zone(std::int64_t unix_time);

}  // namespace mxpulse::evidence
