// A counter in rolling windows (1m, 5m, 15m, 1h, 24h) plus its total, in 48 bytes while sparse.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace mxpulse::stats {

// The windows every windowed counter reports.
enum class Window { m1, m5, m15, h1, h24, total };

// Parses "1m", "5m", "15m", "1h", "24h" or "total".
std::optional<Window> parse_window(std::string_view s);

// Returns the window's name as used in commands and output.
std::string_view window_name(Window w);

class Encoder;
class Decoder;

// Events per minute for the last 15 minutes, per quarter hour for the last hour, per hour for
// the last day. Windows are aligned to those buckets: "1h" is the current quarter hour and the
// three before it, "24h" the current hour and the 23 before it.
//
// A series with events in at most kInline distinct minutes of the last day keeps those events
// inline (48 bytes in all); beyond that it allocates the 172 bytes of buckets. Most destinations
// see a handful of events, so most series never allocate.
class Series {
  public:
    Series() = default;
    Series(const Series& o);
    Series& operator=(const Series& o);
    Series(Series&&) noexcept = default;
    Series& operator=(Series&&) noexcept = default;
    ~Series() = default;

    // Adds n events at the given minute (minutes since the Unix epoch, clamped to 0..2^32-1).
    void add(std::int64_t minute, std::uint32_t n = 1);

    // Adds n events at a minute that may lie before the latest add, in that minute's own buckets
    // (unlike add(), which puts a late event in the current ones); an event older than the day
    // window counts in the total only.
    void add_back(std::int64_t minute, std::uint32_t n = 1);

    // Returns the events in a window as seen at the given minute.
    std::uint64_t sum(Window w, std::int64_t minute) const;

    // Adds another series into this one (both brought to the later minute first).
    void merge(const Series& other);

    // Returns the events ever added.
    std::uint64_t total() const { return total_; }

    // Returns the minute of the latest add (0 when empty).
    std::int64_t last_minute() const { return last_; }

    // Returns true when the series holds its buckets on the heap.
    bool dense() const { return dense_ != nullptr; }

    // Writes the series in the compact encoding.
    void encode(Encoder& e) const;

    // Reads a series written by encode(); returns false (series unchanged) when malformed.
    bool decode(Decoder& d);

    static constexpr std::size_t kInline = 3;

  private:
    // The buckets of a busy series.
    struct Dense {
        std::array<std::uint32_t, 15> minutes{};
        std::array<std::uint32_t, 4> quarters{};
        std::array<std::uint32_t, 24> hours{};
    };
    // Events of one minute while the series is compact; count 0 marks a free slot.
    struct Event {
        std::uint32_t minute = 0;
        std::uint32_t count = 0;
    };

    // Clears the dense buckets that lie between the latest add and minute.
    void advance(std::int64_t minute);

    // Moves the inline events into buckets.
    void make_dense();

    // Adds n at minute to the sparse events; false (and dense from now on) when they are full.
    bool add_sparse(std::int64_t minute, std::uint32_t n);

    std::uint64_t total_ = 0;
    std::int64_t last_ = 0;
    std::array<Event, kInline> events_{};
    std::unique_ptr<Dense> dense_;
};

}  // namespace mxpulse::stats
