// The one exception barrier for C entry points: no exception crosses into a C library or ends a
// thread; each one stopped is counted and reported.
#pragma once

#include <cstdint>
#include <exception>

namespace mxpulse::util {

// Called for every exception a barrier stops, with the entry point's name and the exception's
// what() (or "unknown exception"); must not throw. Set once at start, before any thread.
using BarrierReporter = void (*)(const char* site, const char* what) noexcept;

// Installs the reporter (nullptr: count only).
void set_barrier_reporter(BarrierReporter reporter) noexcept;

// Exceptions stopped by barriers since the process started.
std::uint64_t barrier_stops() noexcept;

// Counts and reports one stopped exception; allocates nothing itself.
void barrier_stopped(const char* site, const char* what) noexcept;

// Runs BODY at the C entry point SITE; returns its value, or FALLBACK when it threw.
// The catch blocks only pass the exception's own text along: nothing is allocated there.
template <typename R, typename F>
R barrier(const char* site, R fallback, F&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        barrier_stopped(site, e.what());
    } catch (...) {
        barrier_stopped(site, "unknown exception");
    }
    return fallback;
}

// The same for an entry point that returns nothing.
template <typename F>
void barrier(const char* site, F&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        barrier_stopped(site, e.what());
    } catch (...) {
        barrier_stopped(site, "unknown exception");
    }
}

}  // namespace mxpulse::util
