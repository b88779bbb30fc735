// A counter in rolling windows (1m, 5m, 15m, 1h, 24h) plus its total, in 172 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mxpulse::stats {

// The windows every windowed counter reports.
enum class Window { m1, m5, m15, h1, h24, total };

// Parses "1m", "5m", "15m", "1h", "24h" or "total".
std::optional<Window> parse_window(std::string_view s);

// Returns the window's name as used in commands and output.
std::string_view window_name(Window w);

// Events per minute for the last 15 minutes, per quarter hour for the last hour, per hour for
// the last day. Windows are aligned to those buckets: "1h" is the current quarter hour and the
// three before it, "24h" the current hour and the 23 before it.
class Series {
  public:
    // Adds n events at the given minute (minutes since the Unix epoch).
    void add(std::int64_t minute, std::uint32_t n = 1);

    // Returns the events in a window as seen at the given minute.
    std::uint64_t sum(Window w, std::int64_t minute) const;

    // Adds another series into this one (both brought to the later minute first).
    void merge(const Series& other);

    // Returns the events ever added.
    std::uint64_t total() const { return total_; }

    // Returns the minute of the latest add (0 when empty).
    std::int64_t last_minute() const { return last_; }

    // Raw access for snapshots.
    struct Raw {
        std::array<std::uint32_t, 15> minutes;
        std::array<std::uint32_t, 4> quarters;
        std::array<std::uint32_t, 24> hours;
        std::int64_t last;
        std::uint64_t total;
    };
    Raw raw() const { return {minutes_, quarters_, hours_, last_, total_}; }
    static Series from_raw(const Raw& r);

  private:
    // Clears the buckets that lie between the latest add and minute.
    void advance(std::int64_t minute);

    std::array<std::uint32_t, 15> minutes_{};
    std::array<std::uint32_t, 4> quarters_{};
    std::array<std::uint32_t, 24> hours_{};
    std::int64_t last_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace mxpulse::stats
