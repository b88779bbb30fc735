// A counter in rolling windows (1m, 5m, 15m, 1h, 24h) plus its total.
#include "stats/window.hpp"

#include <algorithm>
#include <utility>

#include "stats/codec.hpp"

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

namespace {
constexpr std::int64_t kMaxMinute = 0xffffffffLL;

// Returns the first and last unit (minute, quarter or hour) a window covers at now, given the
// unit of the latest add, the window's length in units and the ring's size.
std::pair<std::int64_t, std::int64_t> window_units(std::int64_t last, std::int64_t now,
                                                   std::int64_t count, std::int64_t ring) {
    return {std::max(now - count + 1, last - ring + 1), std::min(now, last)};
}

// Returns the unit size in minutes, the window length in units and the ring size of a window.
struct Shape {
    std::int64_t unit, count, ring;
};
Shape shape_of(Window w) {
    switch (w) {
        case Window::m1:
            return {1, 1, 15};
        case Window::m5:
            return {1, 5, 15};
        case Window::m15:
            return {1, 15, 15};
        case Window::h1:
            return {15, 4, 4};
        case Window::h24:
        case Window::total:
            break;
    }
    return {60, 24, 24};
}
}  // namespace

Series::Series(const Series& o)
    : total_(o.total_),
      last_(o.last_),
      events_(o.events_),
      dense_(o.dense_ ? std::make_unique<Dense>(*o.dense_) : nullptr) {}

Series& Series::operator=(const Series& o) {
    if (this != &o) *this = Series(o);
    return *this;
}

void Series::advance(std::int64_t minute) {
    if (minute <= last_) return;
    if (dense_) {
        clear_between(dense_->minutes, last_, minute);
        clear_between(dense_->quarters, last_ / 15, minute / 15);
        clear_between(dense_->hours, last_ / 60, minute / 60);
    } else {
        // Events older than the day window count in no window any more.
        for (Event& e : events_) {
            if (e.count && minute / 60 - e.minute / 60 >= 24) e = Event{};
        }
    }
    last_ = minute;
}

void Series::make_dense() {
    auto d = std::make_unique<Dense>();
    for (const Event& e : events_) {
        if (!e.count) continue;
        std::int64_t m = e.minute;
        if (last_ - m < 15) d->minutes[static_cast<std::size_t>(m % 15)] += e.count;
        if (last_ / 15 - m / 15 < 4) d->quarters[static_cast<std::size_t>((m / 15) % 4)] += e.count;
        if (last_ / 60 - m / 60 < 24) d->hours[static_cast<std::size_t>((m / 60) % 24)] += e.count;
    }
    events_ = {};
    dense_ = std::move(d);
}

bool Series::add_sparse(std::int64_t minute, std::uint32_t n) {
    Event* free = nullptr;
    for (Event& e : events_) {
        if (e.count && e.minute == minute) {
            e.count += n;
            return true;
        }
        if (!e.count && !free) free = &e;
    }
    if (free) {
        *free = Event{static_cast<std::uint32_t>(minute), n};
        return true;
    }
    make_dense();
    return false;
}

void Series::add(std::int64_t minute, std::uint32_t n) {
    minute = std::clamp<std::int64_t>(minute, 0, kMaxMinute);
    if (total_ == 0 && last_ == 0) last_ = minute;
    advance(minute);
    // An event stamped before the latest add (clock step back) lands in the current buckets.
    std::int64_t m = std::max(minute, last_);
    total_ += n;
    if (!dense_ && add_sparse(m, n)) return;
    dense_->minutes[static_cast<std::size_t>(m % 15)] += n;
    dense_->quarters[static_cast<std::size_t>((m / 15) % 4)] += n;
    dense_->hours[static_cast<std::size_t>((m / 60) % 24)] += n;
}

void Series::add_back(std::int64_t minute, std::uint32_t n) {
    minute = std::clamp<std::int64_t>(minute, 0, kMaxMinute);
    if (minute >= last_ || (total_ == 0 && last_ == 0)) {
        add(minute, n);
        return;
    }
    total_ += n;
    if (last_ / 60 - minute / 60 >= 24) return;
    if (!dense_ && add_sparse(minute, n)) return;
    if (last_ - minute < 15) dense_->minutes[static_cast<std::size_t>(minute % 15)] += n;
    if (last_ / 15 - minute / 15 < 4)
        dense_->quarters[static_cast<std::size_t>((minute / 15) % 4)] += n;
    dense_->hours[static_cast<std::size_t>((minute / 60) % 24)] += n;
}

std::uint64_t Series::sum(Window w, std::int64_t minute) const {
    if (w == Window::total) return total_;
    Shape sh = shape_of(w);
    if (dense_) {
        switch (w) {
            case Window::m1:
            case Window::m5:
            case Window::m15:
                return sum_last(dense_->minutes, last_, minute, sh.count);
            case Window::h1:
                return sum_last(dense_->quarters, last_ / 15, minute / 15, sh.count);
            default:
                return sum_last(dense_->hours, last_ / 60, minute / 60, sh.count);
        }
    }
    auto [lo, hi] = window_units(last_ / sh.unit, minute / sh.unit, sh.count, sh.ring);
    std::uint64_t s = 0;
    for (const Event& e : events_) {
        std::int64_t u = e.minute / sh.unit;
        if (e.count && u >= lo && u <= hi) s += e.count;
    }
    return s;
}

void Series::merge(const Series& other) {
    if (other.total_ == 0) return;
    if (total_ == 0 && last_ == 0) {
        *this = other;
        return;
    }
    std::int64_t now = std::max(last_, other.last_);
    Series o = other;
    o.advance(now);
    advance(now);
    if (!dense_ && !o.dense_) {
        // Both sparse: the union of their events, when it fits inline.
        Series u = *this;
        bool fits = true;
        for (const Event& e : o.events_) {
            if (!e.count) continue;
            Event* slot = nullptr;
            for (Event& mine : u.events_) {
                if (mine.count && mine.minute == e.minute) slot = &mine;
            }
            for (Event& mine : u.events_) {
                if (!slot && !mine.count) slot = &mine;
            }
            if (!slot) {
                fits = false;
                break;
            }
            slot->minute = e.minute;
            slot->count += e.count;
        }
        if (fits) {
            u.total_ += o.total_;
            *this = std::move(u);
            return;
        }
    }
    if (!dense_) make_dense();
    if (!o.dense_) o.make_dense();
    for (std::size_t i = 0; i < dense_->minutes.size(); ++i)
        dense_->minutes[i] += o.dense_->minutes[i];
    for (std::size_t i = 0; i < dense_->quarters.size(); ++i)
        dense_->quarters[i] += o.dense_->quarters[i];
    for (std::size_t i = 0; i < dense_->hours.size(); ++i)
        dense_->hours[i] += o.dense_->hours[i];
    total_ += o.total_;
}

void Series::encode(Encoder& e) const {
    e.u(dense_ ? 1 : 0);
    e.u(static_cast<std::uint64_t>(last_));
    e.u(total_);
    if (dense_) {
        for (std::uint32_t v : dense_->minutes)
            e.u(v);
        for (std::uint32_t v : dense_->quarters)
            e.u(v);
        for (std::uint32_t v : dense_->hours)
            e.u(v);
        return;
    }
    std::uint64_t n = 0;
    for (const Event& ev : events_)
        n += ev.count ? 1 : 0;
    e.u(n);
    for (const Event& ev : events_) {
        if (!ev.count) continue;
        e.u(static_cast<std::uint64_t>(last_) - ev.minute);
        e.u(ev.count);
    }
}

bool Series::decode(Decoder& d) {
    Series s;
    std::uint64_t kind = d.u(1);
    s.last_ = static_cast<std::int64_t>(d.u(kMaxMinute));
    s.total_ = d.u();
    if (d.failed()) return false;
    if (kind == 1) {
        s.dense_ = std::make_unique<Dense>();
        for (std::uint32_t& v : s.dense_->minutes)
            v = static_cast<std::uint32_t>(d.u(0xffffffffu));
        for (std::uint32_t& v : s.dense_->quarters)
            v = static_cast<std::uint32_t>(d.u(0xffffffffu));
        for (std::uint32_t& v : s.dense_->hours)
            v = static_cast<std::uint32_t>(d.u(0xffffffffu));
    } else {
        std::uint64_t n = d.u(kInline);
        for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
            std::uint64_t age = d.u(static_cast<std::uint64_t>(s.last_));
            std::uint64_t count = d.u(0xffffffffu);
            if (count == 0) return false;
            s.events_[i] =
                Event{static_cast<std::uint32_t>(s.last_ - static_cast<std::int64_t>(age)),
                      static_cast<std::uint32_t>(count)};
        }
    }
    if (d.failed()) return false;
    *this = std::move(s);
    return true;
}

}  // namespace mxpulse::stats
