// Delivery outcomes from Postfix's log counted per destination domain, in the registry's windows.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "postlog/line.hpp"
#include "stats/window.hpp"

namespace mxpulse::postlog {

// One delivery attempt as counted: where, what happened, and why (deferrals and bounces).
struct Attempt {
    std::string domain;
    std::string provider;
    Status status = Status::none;
    std::string reason;                 // classified (dsn::reason_for), "" for sent
    std::vector<std::string> patterns;  // provider throttling and block codes
    std::string reply;
    std::string dsn;
};

// Attempts per destination domain (a side table keyed by domain beside the bounce registry,
// with the same windows and provider names), bounded: the least recently active domain is
// folded into "other" when a new one arrives at the bound.
class Outcomes {
  public:
    explicit Outcomes(std::size_t max_domains) : max_(max_domains < 1 ? 1 : max_domains) {}

    // Counts one attempt at now.
    void record(const Attempt& a, std::int64_t now);

    // Returns one domain's counts, or null when it is not tracked.
    nlohmann::json domain(std::string_view name, std::int64_t now) const;

    // Returns the counts summed over the domains of a provider, or null when none is tracked.
    nlohmann::json provider(std::string_view name, std::int64_t now) const;

    // Returns {provider, deferred, oldest_deferral_s} rows for alert samples and metrics: each
    // provider's (or, by domain, each domain's) deferrals in window w.
    struct Row {
        std::string key;
        std::uint64_t sent = 0, deferred = 0, bounced = 0, expired = 0;
    };
    std::vector<Row> rows(bool by_provider, stats::Window w, std::int64_t now) const;

    // Returns the domains tracked and how many were folded into "other".
    std::size_t tracked() const;
    std::uint64_t evictions() const;

  private:
    struct Counts {
        std::string provider;
        stats::Series sent, deferred, bounced, expired;
        std::map<std::string, std::uint64_t> reasons;   // of deferrals and bounces, bounded
        std::map<std::string, std::uint64_t> patterns;  // bounded
        std::string last_reply;
        std::int64_t last_deferred = 0;
        std::int64_t last_activity = 0;
    };

    // Returns the counts of a domain, creating them (folding the quietest into other); locked.
    Counts& touch(const std::string& domain, std::int64_t now);

    // Adds a counts' JSON view fields into out.
    static void add_json(const Counts& c, std::int64_t now, nlohmann::json& out);

    std::size_t max_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Counts> map_;
    std::uint64_t evictions_ = 0;
};

}  // namespace mxpulse::postlog
