// mxpulsectl's readable view of one destination's or provider's counters (domain, provider).
#include "ctl/health_view.hpp"


#include "ctl/output.hpp"

namespace mxpulse::ctl {

namespace {
constexpr std::size_t kSamplesShown = 5;

// Returns "name=count, ..." for a label object.
std::string joined_counts(const nlohmann::json& j) {
    std::string out;
    for (auto it = j.begin(); it != j.end(); ++it)
        out += (out.empty() ? "" : ", ") + it.key() + "=" + it->dump();
    return out.empty() ? "-" : out;
}

// Returns a time (ISO 8601 from the daemon) or "-" when it is unset.
std::string time_or_dash(const std::string& t) {
    return t.empty() ? "-" : t;
}
}  // namespace

namespace {
// Prints how each domain of a provider was grouped there.
void print_grouping(std::ostream& out, const nlohmann::json& grouping) {
    std::vector<std::vector<std::string>> g{{"DOMAIN", "GROUPED BY", "MAIL HOST"}};
    for (const auto& [domain, how] : grouping.items()) {
        if (how.is_null())
            g.push_back({domain, "-", "-"});
        else
            g.push_back({domain, how.value("source", ""), how.value("mail_host", "")});
    }
    print_table(out, g);
    out << "\n";
}
// Prints the hourly history: failures per day over 7 days (the trend), the hours of the last
// day with failures, and the failures per hour of day.
void print_history(std::ostream& out, const nlohmann::json& h) {
    std::vector<std::pair<std::string, std::uint64_t>> days;
    std::vector<std::vector<std::string>> recent{{"HOUR", "FAILED", "OUTBOUND"}};
    const auto hours = h.value("hours", nlohmann::json::array());
    for (const auto& x : hours) {
        std::string at = x.value("hour", "");
        std::uint64_t failed = x.value("failed", std::uint64_t{0});
        if (days.empty() || days.back().first != at.substr(0, 10))
            days.emplace_back(at.substr(0, 10), 0);
        days.back().second += failed;
    }
    for (std::size_t i = hours.size() > 24 ? hours.size() - 24 : 0; i < hours.size(); ++i) {
        const auto& x = hours[i];
        recent.push_back({x.value("hour", ""), std::to_string(x.value("failed", std::uint64_t{0})),
                          std::to_string(x.value("outbound", std::uint64_t{0}))});
    }
    out << "\nhistory (hourly, 7 days kept for failing destinations): "
        << h.value("failed_7d", std::uint64_t{0}) << " failed\n";
    std::vector<std::vector<std::string>> trend{{"DAY", "FAILED"}};
    for (const auto& [day, n] : days)
        trend.push_back({day, std::to_string(n)});
    print_table(out, trend);
    out << "\nlatest hours with activity\n";
    print_table(out, recent);
    out << "\nfailures by hour of day (UTC)\n";
    const auto by = h.value("hour_of_day_failed", nlohmann::json::array());
    for (std::size_t half = 0; half < 2 && by.size() == 24; ++half) {
        std::vector<std::vector<std::string>> t(2);
        for (std::size_t i = half * 12; i < half * 12 + 12; ++i) {
            t[0].push_back((i < 10 ? "0" : "") + std::to_string(i));
            t[1].push_back(std::to_string(by[i].get<std::uint64_t>()));
        }
        print_table(out, t);
    }
}
}  // namespace

void print_health(std::ostream& out, const nlohmann::json& r) {
    std::vector<std::vector<std::string>> head{
        {"provider", r.value("provider", std::string()).empty() ? "-" : r.value("provider", "")},
        {"outbound messages", std::to_string(r.value("outbound_messages", 0))},
        {"first seen", time_or_dash(r.value("first_seen", ""))},
        {"last outbound", time_or_dash(r.value("last_outbound", ""))},
        {"last failure", time_or_dash(r.value("last_failure", ""))},
        {"first failed", time_or_dash(r.value("first_failed", ""))},
        {"last failed", time_or_dash(r.value("last_failed", ""))},
        {"recovered since", time_or_dash(r.value("recovered_at", ""))},
        {"reasons", joined_counts(r.value("reasons", nlohmann::json::object()))},
        {"families", joined_counts(r.value("families", nlohmann::json::object()))},
        {"patterns", joined_counts(r.value("patterns", nlohmann::json::object()))},
    };
    if (r.contains("domains")) {
        std::string d;
        for (const auto& x : r["domains"])
            d += (d.empty() ? "" : ", ") + x.get<std::string>();
        head.push_back({"domains", d});
    }
    print_table(out, head);
    out << "\n";
    if (r.contains("grouping")) print_grouping(out, r["grouping"]);
    std::vector<std::vector<std::string>> win{
        {"WINDOW", "OUTBOUND", "FAILED", "DELAYED", "PATTERNS", "OF SENDS", "RATE", "UNMATCHED"}};
    const nlohmann::json windows = r.value("windows", nlohmann::json::object());
    for (const char* w : {"1m", "5m", "15m", "1h", "24h", "total"}) {
        const nlohmann::json x = windows.value(w, nlohmann::json::object());
        auto count = [&x](const char* k) { return std::to_string(x.value(k, std::uint64_t{0})); };
        win.push_back({w, count("outbound_rcpts"), count("failed"), count("delayed"),
                       count("patterns"), count("failed_of_sends"), format_rate(x),
                       count("unmatched_failed")});
    }
    print_table(out, win);
    out << "RATE = OF SENDS / OUTBOUND: failed recipients of the mail sent in the window over the "
           "recipients\nsent (n/a: none sent). UNMATCHED: failures without a known original "
           "(in no rate).\n";
    if (r.contains("history")) print_history(out, r["history"]);
    const auto statuses = r.value("statuses", nlohmann::json::array());
    if (!statuses.empty()) {
        out << "\n";
        std::vector<std::vector<std::string>> st{
            {"STATUS", "COUNT", "REMOTE-MTA", "LAST-ATTEMPT", "DIAGNOSTIC"}};
        for (const auto& s : statuses) {
            st.push_back({s.value("status", ""), std::to_string(s.value("count", std::uint64_t{0})),
                          s.value("remote_mta", ""), s.value("last_attempt", ""),
                          s.value("sample_diagnostic", "").substr(0, 80)});
        }
        print_table(out, st);
    }
    const auto samples = r.value("samples", nlohmann::json::array());
    if (!samples.empty()) {
        out << "\nlatest samples\n";
        std::vector<std::vector<std::string>> sm{
            {"SEEN", "RECIPIENT", "ACTION", "STATUS", "CAUSE", "QUEUE-ID"}};
        std::size_t from = samples.size() > kSamplesShown ? samples.size() - kSamplesShown : 0;
        for (std::size_t i = from; i < samples.size(); ++i) {
            const auto& s = samples[i];
            sm.push_back({time_or_dash(s.value("seen_at", "")), s.value("recipient", ""),
                          s.value("action", ""), s.value("status", ""), s.value("cause_status", ""),
                          s.value("queue_id", "")});
        }
        print_table(out, sm);
    }
}

}  // namespace mxpulse::ctl
