// The Prometheus text exposition (format 0.0.4) of the process counters and the health registry.
#include "metrics/exposition.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>
#include <vector>

namespace mxpulse::metrics {

namespace {

constexpr std::array kWindows{stats::Window::m1, stats::Window::m5, stats::Window::m15,
                              stats::Window::h1, stats::Window::h24};

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
    if (value == static_cast<double>(static_cast<std::uint64_t>(value)) && value >= 0)
        std::snprintf(buf, sizeof buf, " %llu\n",
                      static_cast<unsigned long long>(static_cast<std::uint64_t>(value)));
    else
        std::snprintf(buf, sizeof buf, " %.6g\n", value);
    out.append(buf);
}

// The counters of one labelled series: a tracked destination or provider, or "other".
struct Folded {
    stats::Destination sum;
    std::vector<std::string> patterns;  // pattern names seen, bounded by the destination caps
};

// Returns the activity a destination is ranked by for its own label: 24h outbound and bounces.
std::uint64_t activity(const stats::Destination& d, std::int64_t now) {
    return d.outbound(stats::Window::h24, now) + d.failed(stats::Window::h24, now) +
           d.delayed(stats::Window::h24, now);
}

// Returns the names of the n keys with the highest scores (ties by name).
std::unordered_set<std::string> top_keys(const std::map<std::string, std::uint64_t>& scores,
                                         std::size_t n) {
    std::vector<std::pair<std::string, std::uint64_t>> v(scores.begin(), scores.end());
    std::erase_if(v, [](auto& x) { return x.second == 0 || x.first == stats::kOtherBucket; });
    std::size_t keep = std::min(n, v.size());
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(keep), v.end(),
                      [](auto& a, auto& b) {
                          return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    std::unordered_set<std::string> out;
    for (std::size_t i = 0; i < keep; ++i)
        out.insert(v[i].first);
    return out;
}

// Folds every destination into its own series (top n) or "other", per domain or per provider.
std::map<std::string, Folded> fold(const stats::Registry& r, std::size_t n, bool by_provider,
                                   std::int64_t now) {
    auto key_of = [by_provider](const std::string& name, const stats::Destination& d) {
        return by_provider && !d.provider.empty() ? d.provider : name;
    };
    std::map<std::string, std::uint64_t> scores;
    r.for_each([&](const std::string& name, const stats::Destination& d) {
        scores[key_of(name, d)] += activity(d, now);
    });
    auto top = top_keys(scores, n);
    std::map<std::string, Folded> out;
    r.for_each([&](const std::string& name, const stats::Destination& d) {
        std::string key = key_of(name, d);
        Folded& f = out[top.count(key) ? key : std::string(stats::kOtherBucket)];
        f.sum.merge(d, 0);
    });
    for (auto& [k, f] : out) {
        nlohmann::json j = f.sum.to_json(now, false);
        for (auto it = j["patterns"].begin(); it != j["patterns"].end(); ++it)
            f.patterns.push_back(it.key());
    }
    return out;
}

// Writes the windowed gauges and total counters of folded destinations or providers.
void health(std::string& out, const std::map<std::string, Folded>& folded, std::string_view scope,
            std::int64_t now) {
    const std::string prefix = "mxpulse_" + std::string(scope) + "_";
    const std::string_view label = scope;
    using Getter = std::uint64_t (stats::Destination::*)(stats::Window, std::int64_t) const;
    struct Gauge {
        const char* name;
        const char* help;
        Getter get;
        const char* total_help;
    };
    const Gauge gauges[] = {
        {"outbound_recipients", "Outbound recipients in the window.", &stats::Destination::outbound,
         "Outbound recipients since start or the last reset."},
        {"failed_recipients", "Failed recipients reported by returning bounces in the window.",
         &stats::Destination::failed, "Failed recipients since start or the last reset."},
        {"delayed_recipients", "Delayed recipients (Action: delayed) in the window.",
         &stats::Destination::delayed, "Delayed recipients since start or the last reset."},
    };
    for (const Gauge& g : gauges) {
        std::string name = prefix + g.name;
        family(out, name, "gauge", g.help);
        for (const auto& [key, f] : folded) {
            for (stats::Window w : kWindows) {
                sample(out, name,
                       {{label, escape_label(key)}, {"window", std::string(window_name(w))}},
                       static_cast<double>((f.sum.*g.get)(w, now)));
            }
        }
    }
    std::string name = prefix + "failure_ratio";
    family(out, name, "gauge", "Failed recipients over outbound recipients in the window.");
    for (const auto& [key, f] : folded) {
        for (stats::Window w : kWindows) {
            sample(out, name, {{label, escape_label(key)}, {"window", std::string(window_name(w))}},
                   stats::failure_rate(f.sum.failed(w, now), f.sum.outbound(w, now)));
        }
    }
    name = prefix + "pattern_recipients";
    family(out, name, "gauge", "Failed or delayed recipients matching a cause-chain pattern.");
    for (const auto& [key, f] : folded) {
        for (const std::string& p : f.patterns) {
            for (stats::Window w : kWindows) {
                sample(out, name,
                       {{label, escape_label(key)},
                        {"pattern", escape_label(p)},
                        {"window", std::string(window_name(w))}},
                       static_cast<double>(f.sum.pattern(p, w, now)));
            }
        }
    }
    for (const Gauge& g : gauges) {
        std::string total = prefix + g.name + "_total";
        family(out, total, "counter", g.total_help);
        for (const auto& [key, f] : folded) {
            sample(out, total, {{label, escape_label(key)}},
                   static_cast<double>((f.sum.*g.get)(stats::Window::total, now)));
        }
    }
}

}  // namespace

std::string escape_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
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
    family(out, "mxpulse_sessions_active", "gauge", "Milter sessions open now.");
    sample(out, "mxpulse_sessions_active", {}, static_cast<double>(in.counters.sessions_active()));
    family(out, "mxpulse_sessions_total", "counter", "Milter sessions opened since start.");
    sample(out, "mxpulse_sessions_total", {}, c["sessions"].value("total", 0.0));
    family(out, "mxpulse_start_time_seconds", "gauge", "Unix time the daemon started.");
    sample(out, "mxpulse_start_time_seconds", {}, static_cast<double>(in.counters.started_at()));
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
    health(out, fold(in.registry, in.top_n, false, in.now), "destination", in.now);
    health(out, fold(in.registry, in.top_n, true, in.now), "provider", in.now);
    return out;
}

}  // namespace mxpulse::metrics
