// Flood control: repeated events of one name and key value are rate-limited per interval, and
// what was held back is counted for a summary line (log.suppressed).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::log {

// How many lines of one event and key value may be written per interval.
struct FloodLimits {
    std::uint32_t burst = 100;  // lines per interval and key value; 0 turns the limit off
    std::int64_t interval_ms = 60'000;
    std::size_t max_keys = 10'000;  // key values tracked at once; the rest share one slot
};

// What was held back for one event and key value in one interval.
struct Suppressed {
    std::string event, key, value;
    std::uint64_t suppressed = 0;
    std::uint64_t written = 0;
    std::int64_t interval_ms = 0;
};

// The value key values share once max_keys are tracked.
inline constexpr std::string_view kFloodOverflow = "(other)";

// Counts events per (event, key value) in fixed intervals. Thread-safe.
class FloodGate {
  public:
    // Replaces the limits; counts already made stay.
    void set_limits(const FloodLimits& limits);

    // Returns whether an event may be written at now_ms (a monotonic clock). A refused event is
    // counted. Summaries of intervals that have ended for this key are appended to `ended`.
    bool admit(std::string_view event, std::string_view key, std::string_view value,
               std::int64_t now_ms, std::vector<Suppressed>& ended);

    // Returns the summaries of every interval that has ended by now_ms (all of them when
    // everything is true) and forgets those keys.
    std::vector<Suppressed> expire(std::int64_t now_ms, bool everything = false);

    // Returns the key values tracked now.
    std::size_t tracked() const;

    // Returns the lines held back since start, by event name.
    std::map<std::string, std::uint64_t> suppressed_totals() const;

  private:
    struct Slot {
        std::int64_t started_ms = 0;
        std::uint64_t written = 0, suppressed = 0;
        std::string key;
    };

    // Returns the summary of a slot's interval, or nothing worth a line.
    static bool summary(const std::string& id, const Slot& s, std::int64_t interval_ms,
                        Suppressed& out);

    mutable std::mutex mutex_;
    FloodLimits limits_;
    std::map<std::string, Slot, std::less<>> slots_;  // "event\0value"
    std::map<std::string, std::uint64_t, std::less<>> totals_;
};

}  // namespace mxpulse::log
