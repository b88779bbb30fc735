// A counter in rolling windows (1m, 5m, 15m, 1h, 24h) plus its total.
#include "stats/window.hpp"

#include <algorithm>

namespace mxpulse::stats {

namespace {
// Zeroes the ring slots for the units strictly after `from` up to and including `to`.
template <std::size_t N>
void clear_between(std::array<std::uint32_t, N>& ring, std::int64_t from, std::int64_t to) {
    if (to <= from) return;
    if (to - from >= static_cast<std::int64_t>(N)) {
        ring.fill(0);
        return;
    }
    for (std::int64_t u = from + 1; u <= to; ++u)
        ring[static_cast<std::size_t>(u % N)] = 0;
}

// Sums the ring slots for the `count` units ending at `now`, given the last written unit.
template <std::size_t N>
std::uint64_t sum_last(const std::array<std::uint32_t, N>& ring, std::int64_t last,
                       std::int64_t now, std::int64_t count) {
    std::uint64_t s = 0;
    for (std::int64_t u = std::max(now - count + 1, last - static_cast<std::int64_t>(N) + 1);
         u <= std::min(now, last); ++u) {
        if (u >= 0) s += ring[static_cast<std::size_t>(u % N)];
    }
    return s;
}
}  // namespace

std::optional<Window> parse_window(std::string_view s) {
    for (Window w : {Window::m1, Window::m5, Window::m15, Window::h1, Window::h24, Window::total}) {
        if (window_name(w) == s) return w;
    }
    return std::nullopt;
}

std::string_view window_name(Window w) {
    switch (w) {
        case Window::m1:
            return "1m";
        case Window::m5:
            return "5m";
        case Window::m15:
            return "15m";
        case Window::h1:
            return "1h";
        case Window::h24:
            return "24h";
        case Window::total:
            return "total";
    }
    return "total";
}

void Series::advance(std::int64_t minute) {
    if (minute <= last_) return;
    clear_between(minutes_, last_, minute);
    clear_between(quarters_, last_ / 15, minute / 15);
    clear_between(hours_, last_ / 60, minute / 60);
    last_ = minute;
}

void Series::add(std::int64_t minute, std::uint32_t n) {
    if (total_ == 0 && last_ == 0) last_ = minute;
    advance(minute);
    // An event stamped before the latest add (clock step back) lands in the current buckets.
    std::int64_t m = std::max(minute, last_);
    minutes_[static_cast<std::size_t>(m % 15)] += n;
    quarters_[static_cast<std::size_t>((m / 15) % 4)] += n;
    hours_[static_cast<std::size_t>((m / 60) % 24)] += n;
    total_ += n;
}

std::uint64_t Series::sum(Window w, std::int64_t minute) const {
    switch (w) {
        case Window::m1:
            return sum_last(minutes_, last_, minute, 1);
        case Window::m5:
            return sum_last(minutes_, last_, minute, 5);
        case Window::m15:
            return sum_last(minutes_, last_, minute, 15);
        case Window::h1:
            return sum_last(quarters_, last_ / 15, minute / 15, 4);
        case Window::h24:
            return sum_last(hours_, last_ / 60, minute / 60, 24);
        case Window::total:
            return total_;
    }
    return 0;
}

void Series::merge(const Series& other) {
    if (other.total_ == 0) return;
    std::int64_t now = std::max(last_, other.last_);
    Series o = other;
    o.advance(now);
    if (total_ == 0 && last_ == 0) last_ = now;
    advance(now);
    for (std::size_t i = 0; i < minutes_.size(); ++i)
        minutes_[i] += o.minutes_[i];
    for (std::size_t i = 0; i < quarters_.size(); ++i)
        quarters_[i] += o.quarters_[i];
    for (std::size_t i = 0; i < hours_.size(); ++i)
        hours_[i] += o.hours_[i];
    total_ += o.total_;
}

Series Series::from_raw(const Raw& r) {
    Series s;
    s.minutes_ = r.minutes;
    s.quarters_ = r.quarters;
    s.hours_ = r.hours;
    s.last_ = r.last;
    s.total_ = r.total;
    return s;
}

}  // namespace mxpulse::stats
