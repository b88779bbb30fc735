// The Prometheus text exposition (format 0.0.4) of the process counters and the health registry.
#include "metrics/exposition.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "util/barrier.hpp"
#include "util/utf8.hpp"

namespace mxpulse::metrics {

namespace {

// Writes the HELP and TYPE lines of one metric family.
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Writes one sample with the given labels (already escaped pairs).
void sample(std::string& out, std::string_view name,
            const std::vector<std::pair<std::string_view, std::string>>& labels, double value) {
    out.append(name);
    if (!labels.empty()) {
        out.append("{");
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i) out.append(",");
            out.append(labels[i].first).append("=\"").append(labels[i].second).append("\"");
        }
        out.append("}");
    }
    char buf[64];
    if (value >= 0 && value < 1e18 &&
        value == static_cast<double>(static_cast<std::uint64_t>(value)))
        std::snprintf(buf, sizeof buf, " %llu\n",
                      static_cast<unsigned long long>(static_cast<std::uint64_t>(value)));
    else
        std::snprintf(buf, sizeof buf, " %.6g\n", value);
    out.append(buf);
}

// The counts of one labelled series since start or the last reset: a tracked destination or
// provider, or "other". Prometheus rates them itself (increase(), rate()); the rolling windows
// are the CLI's.
struct Folded {
    std::uint64_t outbound = 0, failed = 0, delayed = 0, failed_of_sends = 0;
    std::map<std::string, std::uint64_t> patterns;  // bounded by the per-destination pattern cap
};

// Both foldings: per destination and per provider.
struct Folds {
    std::map<std::string, Folded> domains;
    std::map<std::string, Folded> providers;
};

// Returns the activity a destination is ranked by for its own label: 24h outbound and bounces.
std::uint64_t activity(const stats::Destination& d, std::int64_t now) {
    return d.outbound(stats::Window::h24, now) + d.failed(stats::Window::h24, now) +
           d.delayed(stats::Window::h24, now);
}

// Keeps the n best (score descending, name ascending) of what it is offered.
class TopN {
  public:
    explicit TopN(std::size_t n) : n_(n) {}

    // Offers a candidate; its name is copied only when it is kept.
    void offer(const std::string& name, std::uint64_t score) {
        if (score == 0 || n_ == 0 || name == stats::kOtherBucket) return;
        if (heap_.size() >= n_) {
            const auto& worst = heap_.front();
            if (score < worst.second || (score == worst.second && name > worst.first)) return;
            std::pop_heap(heap_.begin(), heap_.end(), better);
            heap_.pop_back();
        }
        heap_.emplace_back(name, score);
        std::push_heap(heap_.begin(), heap_.end(), better);
    }

    // Returns the names kept.
    std::unordered_set<std::string> names() const {
        std::unordered_set<std::string> out;
        for (const auto& [k, v] : heap_)
            out.insert(k);
        return out;
    }

  private:
    // Returns true when a ranks before b.
    static bool better(const std::pair<std::string, std::uint64_t>& a,
                       const std::pair<std::string, std::uint64_t>& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    }
    std::size_t n_;
    std::vector<std::pair<std::string, std::uint64_t>> heap_;
};

// Returns one destination's totals and patterns as a folded series of its own.
Folded counts_of(const stats::Destination& d, std::int64_t now) {
    constexpr stats::Window kAll = stats::Window::total;
    Folded f{d.outbound(kAll, now),
             d.failed(kAll, now),
             d.delayed(kAll, now),
             d.failed_of_sends(kAll, now),
             {}};
    for (const std::string& p : d.pattern_names())
        f.patterns[p] = d.pattern(p, kAll, now);
    return f;
}

// Adds one folded series into another; patterns beyond the cap are left out.
void accumulate(Folded& into, const Folded& f) {
    into.outbound += f.outbound;
    into.failed += f.failed;
    into.delayed += f.delayed;
    into.failed_of_sends += f.failed_of_sends;
    for (const auto& [p, n] : f.patterns) {
        auto it = into.patterns.find(p);
        if (it == into.patterns.end()) {
            if (into.patterns.size() >= stats::kMaxLabels) continue;
            it = into.patterns.emplace(p, 0).first;
        }
        it->second += n;
    }
}

// Folds every destination into its own series (the top n) or "other", per domain and per
// provider: one pass to rank, one to add up.
Folds fold(const stats::Registry& r, std::size_t n, std::int64_t now) {
    TopN top_domains(n);
    std::unordered_map<std::string, std::uint64_t> provider_scores;
    r.for_each([&](const std::string& name, const stats::Destination& d) {
        std::uint64_t a = activity(d, now);
        top_domains.offer(name, a);
        provider_scores[d.provider.empty() ? name : d.provider] += a;
    });
    TopN top_providers(n);
    for (const auto& [k, v] : provider_scores)
        top_providers.offer(k, v);
    provider_scores.clear();
    auto domains = top_domains.names(), providers = top_providers.names();
    Folds out;
    Folded& other_domain = out.domains[std::string(stats::kOtherBucket)];
    Folded& other_provider = out.providers[std::string(stats::kOtherBucket)];
    r.for_each([&](const std::string& name, const stats::Destination& d) {
        Folded counts = counts_of(d, now);
        accumulate(domains.count(name) ? out.domains[name] : other_domain, counts);
        const std::string& p = d.provider.empty() ? name : d.provider;
        accumulate(providers.count(p) ? out.providers[p] : other_provider, counts);
    });
    return out;
}

// Writes the counters of folded destinations or providers, which Prometheus rates itself.
void health(std::string& out, const std::map<std::string, Folded>& folded, std::string_view scope) {
    const std::string prefix = "mxpulse_" + std::string(scope) + "_";
    const std::string_view label = scope;
    struct Counter {
        const char* name;
        std::uint64_t Folded::*count;
        const char* help;
    };
    const Counter counters[] = {
        {"outbound_recipients_total", &Folded::outbound,
         "Outbound recipients since start or the last reset."},
        {"failed_recipients_total", &Folded::failed,
         "Failed recipients reported by returning bounces since start or the last reset."},
        {"delayed_recipients_total", &Folded::delayed,
         "Delayed recipients (Action: delayed) since start or the last reset."},
        {"send_failed_recipients_total", &Folded::failed_of_sends,
         "Failed recipients matched to an original sent through this gateway (at most one per "
         "recipient sent), counted when the bounce arrives."},
    };
    for (const Counter& c : counters) {
        std::string name = prefix + c.name;
        family(out, name, "counter", c.help);
        for (const auto& [key, f] : folded)
            sample(out, name, {{label, escape_label(key)}}, static_cast<double>(f.*c.count));
    }
    std::string name = prefix + "pattern_recipients_total";
    family(out, name, "counter",
           "Failed or delayed recipients matching a cause-chain pattern since start or the last "
           "reset.");
    for (const auto& [key, f] : folded) {
        for (const auto& [p, n] : f.patterns)
            sample(out, name, {{label, escape_label(key)}, {"pattern", escape_label(p)}},
                   static_cast<double>(n));
    }
}

// Writes the SPF, DKIM and DMARC outcomes of outbound mail per sender domain: the n sender domains
// with the most messages get their own label value, the rest (and the counters' own "other")
// fold into "other".
void auth_results(std::string& out, const stats::AuthCounters& auth, std::size_t n) {
    using Counts = stats::AuthCounters::Counts;
    auto totals = auth.totals();
    TopN top(n);
    for (const auto& [name, c] : totals) {
        std::uint64_t messages = 0;
        for (std::uint64_t v : c[0])
            messages += v;
        top.offer(name, messages);
    }
    auto kept = top.names();
    std::map<std::string, Counts> folded;
    for (const auto& [name, c] : totals) {
        Counts& into = folded[kept.count(name) ? name : std::string(stats::kOtherBucket)];
        for (std::size_t m = 0; m < c.size(); ++m)
            for (std::size_t i = 0; i < c[m].size(); ++i)
                into[m][i] += c[m][i];
    }
    constexpr const char* kName = "mxpulse_auth_results_total";
    constexpr std::array<const char*, 3> kMethods{"spf", "dkim", "dmarc"};
    family(out, kName, "counter",
           "Outbound messages by sender domain, authentication method and result.");
    for (const auto& [name, c] : folded) {
        for (std::size_t m = 0; m < kMethods.size(); ++m) {
            for (std::size_t i = 0; i < stats::kAuthOutcomes.size(); ++i) {
                sample(out, kName,
                       {{"sender_domain", escape_label(name)},
                        {"method", kMethods[m]},
                        {"result", std::string(stats::kAuthOutcomes[i])}},
                       static_cast<double>(c[m][i]));
            }
        }
    }
}

// Exports the deferred queue per provider: the top_n with the most deferred messages keep their
// label, the rest fold into "other" (summed; the oldest age is the largest).
void queue_metrics(std::string& out, const Inputs& in) {
    std::vector<QueueRow> rows = in.queue;
    std::sort(rows.begin(), rows.end(), [](const QueueRow& a, const QueueRow& b) {
        return a.deferred != b.deferred ? a.deferred > b.deferred : a.provider < b.provider;
    });
    std::map<std::string, QueueRow> kept;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        bool own = i < in.top_n && rows[i].provider != stats::kOtherBucket;
        QueueRow& k = kept[own ? rows[i].provider : std::string(stats::kOtherBucket)];
        k.deferred += rows[i].deferred;
        k.oldest_age_s = std::max(k.oldest_age_s, rows[i].oldest_age_s);
    }
    family(out, "mxpulse_queue_deferred_messages", "gauge",
           "Messages in Postfix's deferred queue at the last postqueue -j scan, per provider of "
           "their recipients (a message to two providers counts for each).");
    for (const auto& [p, k] : kept)
        sample(out, "mxpulse_queue_deferred_messages", {{"provider", escape_label(p)}},
               static_cast<double>(k.deferred));
    family(out, "mxpulse_queue_oldest_age_seconds", "gauge",
           "Age of the oldest deferred message per provider at the last scan (0: none).");
    for (const auto& [p, k] : kept)
        sample(out, "mxpulse_queue_oldest_age_seconds", {{"provider", escape_label(p)}},
               static_cast<double>(k.oldest_age_s));
    family(out, "mxpulse_queue_scan_timestamp_seconds", "gauge",
           "Unix time of the last successful postqueue -j scan.");
    sample(out, "mxpulse_queue_scan_timestamp_seconds", {},
           static_cast<double>(in.queue_scanned_at));
}

// Exports Postfix's delivery attempts per provider, status and window: the top_n providers with
// the most attempts keep their label, the rest fold into "other".
void attempt_metrics(std::string& out, const Inputs& in) {
    std::map<std::string, std::uint64_t> volume;
    for (const AttemptRow& r : in.attempts)
        volume[r.provider] += r.sent + r.deferred + r.bounced + r.expired;
    std::vector<std::pair<std::string, std::uint64_t>> ranked(volume.begin(), volume.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::set<std::string> own;
    for (std::size_t i = 0; i < ranked.size() && own.size() < in.top_n; ++i)
        if (ranked[i].first != stats::kOtherBucket) own.insert(ranked[i].first);
    std::map<std::pair<std::string, std::string>, AttemptRow> kept;  // (provider, window)
    for (const AttemptRow& r : in.attempts) {
        std::string p = own.count(r.provider) ? r.provider : std::string(stats::kOtherBucket);
        AttemptRow& k = kept[{p, r.window}];
        k.sent += r.sent, k.deferred += r.deferred, k.bounced += r.bounced, k.expired += r.expired;
    }
    family(out, "mxpulse_provider_postfix_attempts", "gauge",
           "Delivery attempts in Postfix's log per provider, by status, in a rolling window.");
    for (const auto& [key, k] : kept) {
        const auto& [p, w] = key;
        for (const auto& [status, n] :
             {std::pair{"sent", k.sent}, std::pair{"deferred", k.deferred},
              std::pair{"bounced", k.bounced}, std::pair{"expired", k.expired}})
            sample(out, "mxpulse_provider_postfix_attempts",
                   {{"provider", escape_label(p)}, {"status", status}, {"window", w}},
                   static_cast<double>(n));
    }
}

}  // namespace

std::string escape_label(std::string_view value) {
    // Prometheus refuses a whole scrape over one label value that is not UTF-8.
    std::string clean;
    util::append_utf8_replacing(clean, value);
    std::string out;
    out.reserve(clean.size());
    for (char c : clean) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render(const Inputs& in) {
    std::string out;
    out.reserve(4096);
    family(out, "mxpulse_messages_total", "counter", "Messages seen at end of data, by direction.");
    for (std::size_t i = 0; i < stats::kDirectionCount; ++i) {
        auto d = static_cast<stats::Direction>(i);
        sample(out, "mxpulse_messages_total", {{"direction", std::string(direction_name(d))}},
               static_cast<double>(in.counters.messages(d)));
    }
    family(out, "mxpulse_limit_hits_total", "counter", "Times a configured bound was reached.");
    for (std::size_t i = 0; i < stats::kLimitCount; ++i) {
        auto l = static_cast<stats::Limit>(i);
        sample(out, "mxpulse_limit_hits_total", {{"limit", std::string(limit_name(l))}},
               static_cast<double>(in.counters.limit_hits(l)));
    }
    nlohmann::json c = in.counters.to_json();
    family(out, "mxpulse_failures_total", "counter",
           "Internal errors that ended in the configured failure action.");
    sample(out, "mxpulse_failures_total", {}, c.value("failures", 0.0));
    family(out, "mxpulse_exceptions_stopped_total", "counter",
           "Exceptions stopped at C entry points (DNS hooks, callbacks, threads).");
    sample(out, "mxpulse_exceptions_stopped_total", {}, static_cast<double>(util::barrier_stops()));
    family(out, "mxpulse_sessions_active", "gauge", "Milter sessions open now.");
    sample(out, "mxpulse_sessions_active", {}, static_cast<double>(in.counters.sessions_active()));
    family(out, "mxpulse_sessions_total", "counter", "Milter sessions opened since start.");
    sample(out, "mxpulse_sessions_total", {}, c["sessions"].value("total", 0.0));
    family(out, "mxpulse_snapshots_total", "counter",
           "State-file snapshots since start, by result (written or failed).");
    sample(out, "mxpulse_snapshots_total", {{"result", "written"}},
           static_cast<double>(in.counters.snapshots_written()));
    sample(out, "mxpulse_snapshots_total", {{"result", "failed"}},
           static_cast<double>(in.counters.snapshots_failed()));
    family(out, "mxpulse_state_file_unusable_total", "counter",
           "State files found unusable at start (set aside, or ignored when that failed).");
    sample(out, "mxpulse_state_file_unusable_total", {},
           static_cast<double>(in.counters.state_unusable()));
    family(out, "mxpulse_start_time_seconds", "gauge", "Unix time the daemon started.");
    sample(out, "mxpulse_start_time_seconds", {}, static_cast<double>(in.counters.started_at()));
    family(out, "mxpulse_build_info", "gauge", "Always 1; the version of mxpulse as a label.");
    sample(out, "mxpulse_build_info", {{"version", escape_label(in.version)}}, 1);
    family(out, "mxpulse_config_last_reload_successful", "gauge",
           "1 when the last configuration reload succeeded (or none was tried), 0 when it failed.");
    sample(out, "mxpulse_config_last_reload_successful", {}, in.last_reload_ok ? 1 : 0);
    family(out, "mxpulse_config_last_reload_success_timestamp_seconds", "gauge",
           "Unix time of the last successful configuration load (start or reload).");
    sample(out, "mxpulse_config_last_reload_success_timestamp_seconds", {},
           static_cast<double>(in.last_reload_success_at ? in.last_reload_success_at
                                                         : in.counters.started_at()));
    family(out, "mxpulse_destinations_tracked", "gauge",
           "Destination domains tracked with their own counters.");
    sample(out, "mxpulse_destinations_tracked", {}, static_cast<double>(in.registry.tracked()));
    family(out, "mxpulse_destination_evictions_total", "counter",
           "Destinations evicted into the \"other\" bucket because stats.max_destinations was "
           "reached.");
    sample(out, "mxpulse_destination_evictions_total", {},
           static_cast<double>(in.registry.evictions()));
    if (in.correlation) {
        family(out, "mxpulse_correlation_entries", "gauge",
               "Outbound messages remembered by Message-ID to link bounces to.");
        sample(out, "mxpulse_correlation_entries", {}, static_cast<double>(in.correlation->size()));
        family(out, "mxpulse_correlation_forgotten_total", "counter",
               "Outbound messages forgotten before a bounce came, by the bound that was reached.");
        sample(out, "mxpulse_correlation_forgotten_total", {{"bound", "count"}},
               static_cast<double>(in.correlation->evicted_count()));
        sample(out, "mxpulse_correlation_forgotten_total", {{"bound", "age"}},
               static_cast<double>(in.correlation->expired_count()));
    }
    family(out, "mxpulse_alert_active", "gauge",
           "1 for each alert rule firing now, per scope key (see mxpulsectl alerts).");
    for (const ActiveAlert& a : in.alerts) {
        sample(out, "mxpulse_alert_active",
               {{"rule", escape_label(a.rule)},
                {"scope", escape_label(a.scope)},
                {"key", escape_label(a.key)},
                {"severity", escape_label(a.severity)}},
               1);
    }
    family(out, "mxpulse_alerts_raised_total", "counter",
           "Times an alert rule was raised since start, over all its scope keys.");
    for (const auto& [rule, n] : in.alerts_raised)
        sample(out, "mxpulse_alerts_raised_total", {{"rule", escape_label(rule)}},
               static_cast<double>(n));
    family(out, "mxpulse_log_suppressed_total", "counter",
           "Log lines held back by flood control since start, by event name.");
    for (const auto& [event, n] : in.log_suppressed)
        sample(out, "mxpulse_log_suppressed_total", {{"event", escape_label(event)}},
               static_cast<double>(n));
    Folds folds = fold(in.registry, in.top_n, in.now);
    health(out, folds.domains, "destination");
    health(out, folds.providers, "provider");
    if (in.auth) auth_results(out, *in.auth, in.top_n);
    if (in.queue_read) queue_metrics(out, in);
    if (in.attempts_read) attempt_metrics(out, in);
    return out;
}

}  // namespace mxpulse::metrics
