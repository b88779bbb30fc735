// The Prometheus text exposition (format 0.0.4) of the process counters and the health registry.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/auth_counters.hpp"
#include "stats/correlation.hpp"
#include "stats/counters.hpp"
#include "stats/registry.hpp"

namespace mxpulse::metrics {

// One alert firing now.
struct ActiveAlert {
    std::string rule, scope, key, severity;
};

// One provider's share of Postfix's queue at the last postqueue -j scan.
struct QueueRow {
    std::string provider;
    std::uint64_t deferred = 0;     // deferred messages
    std::int64_t oldest_age_s = 0;  // age of the oldest deferred message; 0: none
};

// One provider's delivery attempts in Postfix's log in one window.
struct AttemptRow {
    std::string provider, window;
    std::uint64_t sent = 0, deferred = 0, bounced = 0, expired = 0;
};

// What the exposition is built from.
struct Inputs {
    const stats::Counters& counters;
    const stats::Registry& registry;
    std::size_t top_n = 20;  // destinations and providers with their own label value
    std::int64_t now = 0;    // Unix time the windows are read at
    const stats::Correlation* correlation = nullptr;  // the outbound Message-ID store, if any
    const stats::AuthCounters* auth = nullptr;  // outbound SPF/DKIM/DMARC per sender domain, if any
    std::vector<ActiveAlert> alerts{};          // the alerts firing now
    std::map<std::string, std::uint64_t> alerts_raised{};   // times raised since start, by rule
    std::map<std::string, std::uint64_t> log_suppressed{};  // lines held back, by event name
    std::string version{};                                  // mxpulse_build_info's label
    bool last_reload_ok = true;               // the last reload's outcome (true before any)
    std::int64_t last_reload_success_at = 0;  // Unix time of the last good load; 0: the start
    bool queue_read = false;                  // [postfix_queue] command is set and a scan succeeded
    std::vector<QueueRow> queue{};       // per provider, any order; top_n of them keep their label
    std::int64_t queue_scanned_at = 0;   // Unix time of the last scan
    bool attempts_read = false;          // [postfix_log] is followed
    std::vector<AttemptRow> attempts{};  // per provider and window; top_n keep their label
};

// The content type of the exposition.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Returns the whole exposition text; label values are escaped, cardinality bounded by top_n.
std::string render(const Inputs& in);

// Returns a label value escaped for the exposition (backslash, double quote, newline), bytes
// that are not UTF-8 replaced by U+FFFD.
std::string escape_label(std::string_view value);

}  // namespace mxpulse::metrics
