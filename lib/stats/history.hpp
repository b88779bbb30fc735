// Hourly failure history (7 days) of the destinations and providers that fail: a side table,
// bounded, so that a destination that never fails costs nothing here.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace mxpulse::stats {

class Encoder;
class Decoder;

// Per hour for the last kHours hours: failed recipients, and outbound recipients from the first
// failure on. Destinations enter at their first failed recipient; beyond max_destinations the
// one with the fewest failures in the 7 days leaves (counted: evictions(), and the caller logs
// limit.hit). Providers are kept up to the same bound each, in a map of their own. Memory: about
// 1.4 KiB per entry, so 1000 destinations and as many providers stay under 3 MiB.
class History {
  public:
    static constexpr std::int64_t kHours = 168;

    explicit History(std::size_t max_entries = 1000) : max_(max_entries) {}

    // Counts a failed recipient of a destination (and of its provider, when known) at now;
    // returns true when an entry was evicted to make room.
    bool record_failure(std::string_view domain, std::string_view provider, std::int64_t now);

    // Counts outbound recipients of a destination and its provider where they are kept.
    void record_outbound(std::string_view domain, std::string_view provider, std::uint32_t n,
                         std::int64_t now);

    // Returns the hourly history of a destination or a provider at now (see mxpulse-control(7):
    // hours oldest first, each {hour, failed, outbound}, and the failures per hour of day in
    // UTC), or nullopt when it is not kept. The evidence bundle reads the same.
    std::optional<nlohmann::json> domain(std::string_view name, std::int64_t now) const;
    std::optional<nlohmann::json> provider(std::string_view name, std::int64_t now) const;

    // Returns the entries kept and the evictions so far.
    std::size_t size() const;
    std::uint64_t evictions() const;

    // Forgets one name (destination and provider) or, with "", everything.
    void reset(std::string_view name);

    // Writes the table in the state file's encoding; reads it back (false when malformed).
    void encode(Encoder& e) const;
    bool decode(Decoder& d);

  private:
    struct Entry {
        std::array<std::uint32_t, kHours> failed{};
        std::array<std::uint32_t, kHours> outbound{};
        std::int64_t last_hour = 0;    // hours since the epoch of the latest add
        std::uint64_t failed_sum = 0;  // the sum of failed, kept so eviction need not add it up

        // Clears the hours between the latest add and hour, and makes hour the latest.
        void advance(std::int64_t hour);
        // Returns the failures in the last kHours hours.
        std::uint64_t failures() const { return failed_sum; }
    };
    using Map = std::unordered_map<std::string, Entry>;

    // Returns the entry of a name, creating it (evicting the least failing beyond the bound);
    // sets evicted when one left. Mutex held.
    Entry& touch(Map& m, std::string_view name, std::int64_t hour, bool& evicted);

    // Returns the JSON view of an entry at hour.
    static nlohmann::json view(const Entry& e, std::int64_t hour);

    std::size_t max_;
    mutable std::mutex mutex_;
    Map domains_;
    Map providers_;
    std::uint64_t evictions_ = 0;
};

}  // namespace mxpulse::stats
