// The per-destination and per-provider health registry: bounded, sharded, cheap under contention.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "stats/destination.hpp"
#include "stats/registry_observer.hpp"
#include "stats/window.hpp"

namespace mxpulse::stats {

// The daemon's memory budget at the defaults (target: 64 MiB RSS with 100,000 destinations).
// Each bounded store has its share; "now" is measured through the real daemon (RFC 3464 reports
// for 120,000 domains, tests/bench/state_memory.py; heaptrack peaks, 2026-12-02):
//   process base (code, libraries, threads)     12 MiB          now 11.6 MiB
//   registry structures, 100,000 destinations   20 MiB          now ~57 MiB: map nodes 19 MB,
//                                                               Failures 14 MB, provider and key
//                                                               strings ~16 MB, patterns 8 MB
//   packed evidence (RegistryOptions)           16 MiB bound    now 15 MB
//   bounce dedup (200,000 hashes)                5 MiB bound    pipeline/dedup.hpp
//   correlation (packed records)                 8 MiB bound    stats/correlation.hpp
//   learned providers                            4 MiB bound    stats/providers.hpp
// Not met yet: restored at the cap the daemon holds 81 MiB, live 137 MiB; the live gap is mostly
// alert sampling (one Sample per destination at every evaluation, ~19 MB transient) and
// libunbound's cache for MX lookups (4 MB).
// How the registry is bounded.
struct RegistryOptions {
    std::size_t max_destinations = 100'000;  // the quietest beyond this fold into "other"
    std::size_t samples = 20;                // bounce samples kept per destination
    // Packed evidence (status texts and bounce samples) kept over all destinations; beyond it the
    // least recently active destinations lose their samples first (counted, and said in `domain`).
    std::size_t evidence_bytes = 16u * 1024 * 1024;
};

// What `top` ranks by, and over what.
enum class By { failures, rate, pattern, outbound };
enum class Scope { domain, provider };

// Parses "failures", "rate", "pattern", "outbound" / "domain", "provider".
std::optional<By> parse_by(std::string_view s);
std::optional<Scope> parse_scope(std::string_view s);

// The name of the bucket that evicted destinations are folded into.
inline constexpr std::string_view kOtherBucket = "other";

// Counters per destination domain; providers are views that aggregate their domains.
class Registry {
  public:
    explicit Registry(RegistryOptions options = {});

    // Counts one outbound message with rcpts recipients at a destination.
    void record_outbound(std::string_view domain, std::string_view provider, std::uint32_t rcpts,
                         std::int64_t now);

    // Moves a tracked destination (and so its counts) to another provider, as when an MX answer
    // arrives for a domain first counted without one; returns true when it moved.
    bool set_provider(std::string_view domain, std::string_view provider);

    // Counts one failed or delayed recipient at a destination; sent_at is the send time of its
    // original when Correlation::claim() matched it (0: unmatched), see Destination::add_bounce.
    void record_bounce(std::string_view domain, std::string_view provider, const BounceEvent& e,
                       std::int64_t now, std::int64_t sent_at = 0);

    // Returns the top n destinations or providers ranked by a metric in a window.
    nlohmann::json top(std::size_t n, By by, Window w, Scope scope, std::int64_t now) const;

    // Returns one destination's counters and samples, or nullopt when it is not tracked.
    std::optional<nlohmann::json> domain(std::string_view name, std::int64_t now) const;

    // Returns one provider's aggregated counters, its domains and samples, or nullopt when unknown.
    std::optional<nlohmann::json> provider(std::string_view name, std::int64_t now) const;

    // Forgets one destination, every destination of a provider of that name, or (name "") all;
    // returns how many destinations were removed.
    std::size_t reset(std::string_view name);

    // Calls f for every tracked destination (and "other"), each under its shard's lock.
    void for_each(const std::function<void(const std::string&, const Destination&)>& f) const;

    // Returns the number of destinations tracked, and how many were evicted so far.
    std::size_t tracked() const;
    std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

    // Returns how many destinations lost their samples to the evidence bound.
    std::uint64_t evidence_trimmed() const {
        return evidence_trimmed_.load(std::memory_order_relaxed);
    }

    // Returns the packed evidence bytes held over all destinations.
    std::size_t evidence_bytes() const;

    static constexpr std::size_t kShards = 16;

    // Calls f for every destination of shard i (< kShards), least recently active first, then
    // done (when given), all under the shard's lock (snapshots go one shard at a time). A change
    // counted for the shard comes wholly before or wholly after the visit, observer call included.
    void visit_shard(std::size_t i,
                     const std::function<void(const std::string&, const Destination&)>& f,
                     const std::function<void()>& done = {}) const;

    // Returns the shard (< kShards) that holds domain.
    static std::size_t shard_index(std::string_view domain);

    // Calls f with the "other" bucket under its lock.
    void visit_other(const std::function<void(const Destination&)>& f) const;

    // Restoring: adds a destination as the most recently active (evicting beyond the bound).
    void restore_destination(const std::string& name, Destination&& d);

    // Restoring: replaces the "other" bucket, and sets the evictions counted so far.
    void restore_other(Destination&& d);
    void restore_evictions(std::uint64_t n) { evictions_.store(n, std::memory_order_relaxed); }

    // Tells o (or nobody, with nullptr) of every later counted change; o must outlive the calls.
    void set_observer(RegistryObserver* o) { observer_.store(o, std::memory_order_release); }

  private:
    // One shard: a map whose entries form a recency list (newest first) through their links.
    struct Shard {
        struct Entry {
            Destination dest;
            const std::string* name = nullptr;  // the map's key (nodes do not move)
            Entry* newer = nullptr;
            Entry* older = nullptr;
        };
        mutable std::mutex mutex;
        std::unordered_map<std::string, Entry> map;
        Entry* newest = nullptr;
        Entry* oldest = nullptr;
        std::size_t evidence = 0;  // packed evidence bytes of the shard's destinations

        // Unlinks e from the recency list.
        void unlink(Entry* e);
        // Links e as the newest.
        void push_newest(Entry* e);
    };

    // Forgets samples of the least recently active destinations of a locked shard until its
    // evidence is below its share of the bound.
    void trim_evidence(Shard& s);

    // Returns the shard of a domain.
    Shard& shard_of(std::string_view domain);

    // Returns the entry for a domain, creating it (and evicting the quietest) as needed; shard
    // locked.
    Destination& touch(Shard& s, std::string_view domain);

    RegistryOptions options_;
    std::size_t per_shard_;
    std::array<Shard, kShards> shards_;
    mutable std::mutex other_mutex_;
    Destination other_;
    std::atomic<std::uint64_t> evictions_{0};
    std::atomic<RegistryObserver*> observer_{nullptr};
    std::atomic<std::uint64_t> evidence_trimmed_{0};
    std::size_t evidence_per_shard_;
};

}  // namespace mxpulse::stats
