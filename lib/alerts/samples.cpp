// The value of an alert rule's metric for each key of its scope, read from the counters.
#include "alerts/samples.hpp"

#include <algorithm>
#include <map>

namespace mxpulse::alerts {

namespace {

// Counts gathered for one key.
struct Counts {
    std::uint64_t outbound = 0, failed = 0, delayed = 0, pattern = 0, failed_of_sends = 0;
};

// Returns a rate bounded to [0, 1].
double bounded_rate(std::uint64_t part, std::uint64_t whole) {
    std::uint64_t d = std::max(part, whole);
    return d == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(d);
}

// Turns a key's counts into the rule's sample.
Sample sample_of(const config::AlertRule& r, const std::string& key, const Counts& c) {
    Sample s{key, 0, 0};
    // Failures of the window's sends over those sends (stats::Rate): within 0..1 by definition;
    // without sends there is no rate and no sample.
    if (r.metric == "failure_rate")
        s = {key, stats::Rate{c.failed_of_sends, c.outbound, 0}.value(), c.outbound};
    else if (r.metric == "deferral_rate")
        s = {key, bounded_rate(c.delayed, c.outbound), std::max(c.outbound, c.delayed)};
    else if (r.metric == "pattern_count")
        s = {key, static_cast<double>(c.pattern), c.pattern};
    else if (r.metric == "bounce_count")
        s = {key, static_cast<double>(c.failed), c.failed};
    return s;
}

}  // namespace

std::vector<Sample> samples(const config::AlertRule& rule, const stats::Registry& registry,
                            const stats::AuthCounters& auth,
                            const std::vector<std::string>& own_domains, std::int64_t now) {
    stats::Window w = stats::parse_window(rule.window).value_or(stats::Window::h1);
    std::vector<Sample> out;
    if (rule.metric == "auth_fail_rate") {
        for (const auto& [domain, messages, fails] : auth.windowed(w, now)) {
            if (!own_domains.empty() &&
                std::find(own_domains.begin(), own_domains.end(), domain) == own_domains.end()) {
                continue;
            }
            out.push_back({domain, bounded_rate(fails, messages), messages});
        }
        return out;
    }
    std::map<std::string, Counts> by_key;
    registry.for_each([&](const std::string& domain, const stats::Destination& d) {
        std::string key = rule.scope == "global"     ? "global"
                          : rule.scope == "provider" ? (d.provider.empty() ? domain : d.provider)
                                                     : domain;
        Counts& c = by_key[key];
        c.outbound += d.outbound(w, now);
        c.failed += d.failed(w, now);
        c.delayed += d.delayed(w, now);
        c.failed_of_sends += d.failed_of_sends(w, now);
        if (!rule.pattern.empty()) c.pattern += d.pattern(rule.pattern, w, now);
    });
    for (const auto& [key, c] : by_key) {
        Sample s = sample_of(rule, key, c);
        if (s.events > 0) out.push_back(std::move(s));
    }
    return out;
}

}  // namespace mxpulse::alerts
