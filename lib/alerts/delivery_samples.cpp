// Alert samples from Postfix's own view: deferrals in its log and the deferred queue.
#include "alerts/delivery_samples.hpp"

#include <algorithm>
#include <map>

namespace mxpulse::alerts {

namespace {

// Samples of postfix_deferral_rate from the log's attempts.
std::vector<Sample> log_samples(const config::AlertRule& rule, const postlog::Outcomes& o,
                                std::int64_t now) {
    stats::Window w = stats::parse_window(rule.window).value_or(stats::Window::h1);
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> acc;  // deferred, attempts
    for (const postlog::Outcomes::Row& r : o.rows(rule.scope == "provider", w, now)) {
        auto& a = acc[rule.scope == "global" ? std::string("global") : r.key];
        a.first += r.deferred;
        a.second += r.sent + r.deferred + r.bounced + r.expired;
    }
    std::vector<Sample> out;
    for (const auto& [key, a] : acc)
        if (a.first > 0)
            out.push_back(
                {key, static_cast<double>(a.first) / static_cast<double>(a.second), a.second});
    return out;
}

// Samples of queue_deferred and queue_oldest_age from the last scan.
std::vector<Sample> queue_samples(const config::AlertRule& rule, const postlog::QueueView& q) {
    bool age = rule.metric == "queue_oldest_age";
    std::map<std::string, std::pair<std::uint64_t, std::int64_t>> acc;  // deferred, oldest age
    for (const postlog::QueueView::Row& r : q.rows(rule.scope == "provider")) {
        if (r.deferred == 0) continue;
        auto& a = acc[rule.scope == "global" ? std::string("global") : r.key];
        a.first += r.deferred;
        a.second = std::max(a.second, r.oldest_age_s);
    }
    std::vector<Sample> out;
    for (const auto& [key, a] : acc)
        out.push_back(
            {key, age ? static_cast<double>(a.second) : static_cast<double>(a.first), a.first});
    return out;
}

}  // namespace

bool is_delivery_metric(std::string_view metric) {
    return metric == "postfix_deferral_rate" || metric == "queue_deferred" ||
           metric == "queue_oldest_age";
}

std::vector<Sample> delivery_samples(const config::AlertRule& rule, const DeliverySources& src,
                                     std::int64_t now) {
    if (rule.metric == "postfix_deferral_rate")
        return src.outcomes ? log_samples(rule, *src.outcomes, now) : std::vector<Sample>{};
    if (rule.metric == "queue_deferred" || rule.metric == "queue_oldest_age")
        return src.queue ? queue_samples(rule, *src.queue) : std::vector<Sample>{};
    return {};
}

}  // namespace mxpulse::alerts
