// The one exception barrier for C entry points: no exception crosses into a C library or ends a
// thread; each one stopped is counted and reported.
#include "util/barrier.hpp"

#include <atomic>

namespace mxpulse::util {

namespace {
std::atomic<BarrierReporter> g_reporter{nullptr};
std::atomic<std::uint64_t> g_stops{0};
}  // namespace

// Installs the reporter.
void set_barrier_reporter(BarrierReporter reporter) noexcept {
    g_reporter.store(reporter);
}

// Exceptions stopped so far.
std::uint64_t barrier_stops() noexcept {
    return g_stops.load(std::memory_order_relaxed);
}

// Counts, then reports.
void barrier_stopped(const char* site, const char* what) noexcept {
    g_stops.fetch_add(1, std::memory_order_relaxed);
    if (BarrierReporter r = g_reporter.load()) r(site, what != nullptr ? what : "");
}

}  // namespace mxpulse::util
