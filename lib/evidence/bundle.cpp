// The evidence bundle: what a provider's support desk asks for about one destination or provider.
#include "evidence/bundle.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "util/strings.hpp"

namespace mxpulse::evidence {

namespace {

// Failure rate at or above which failures are called persistent rather than intermittent.
constexpr double kPersistentRate = 0.9;

// Returns the smallest counter window that covers since_s (the registry keeps up to 24h).
stats::Window covering_window(std::int64_t since_s) {
    if (since_s <= 3600) return stats::Window::h1;
    if (since_s <= 86400) return stats::Window::h24;
    return stats::Window::total;
}

// Returns "in the last 24h", or "since the counters started" for the total window.
std::string window_phrase(const nlohmann::json& window) {
    std::string w = window.get<std::string>();
    return w == "total" ? "since the counters started" : "in the last " + w;
}

// Returns the rate over sends of a counter window (stats::Rate): failure_rate (null without
// sends), rate_basis, failed_of_sends, sends, unmatched_failed. A window without them (a health
// document of an older daemon) gets no rate rather than one computed over arrivals.
nlohmann::json rate_fields(const nlohmann::json& win) {
    stats::Rate r{win.value("failed_of_sends", std::uint64_t{0}),
                  win.value("sends", std::uint64_t{0}),
                  win.value("unmatched_failed", std::uint64_t{0})};
    return r.to_json();
}

// Returns a ratio as a percentage with one decimal.
std::string percent(const nlohmann::json& ratio) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", ratio.get<double>() * 100);
    return buf;
}

// Returns the summary paragraph: codes seen, intermittent or persistent, first and last seen.
std::string summary(const std::string& name, const nlohmann::json& b) {
    const auto& c = b["counts"];
    std::uint64_t failed = c["failed"], delayed = c["delayed"], out = c["outbound_rcpts"];
    std::size_t n = b["samples"].size() + (b.contains("ndrs") ? b["ndrs"].size() : 0);
    if (failed + delayed == 0 && n == 0) {
        return "No failed or delayed recipients were reported for " + name + " in this window.";
    }
    std::string codes;
    for (const auto& s : b["by_status"])
        codes += (codes.empty() ? "" : ", ") + s["status"].get<std::string>() + " (" +
                 std::to_string(s["count"].get<std::uint64_t>()) + ")";
    std::string causes;
    for (const auto& s : b["causes"])
        causes += (causes.empty() ? "" : ", ") + s.get<std::string>();
    std::string text = "Returning bounces for " + name + " reported " + std::to_string(failed) +
                       " failed and " + std::to_string(delayed) + " delayed recipient(s) against " +
                       std::to_string(out) + " outbound recipient(s) " +
                       window_phrase(c["window"]) +
                       ". Status codes seen: " + (codes.empty() ? "none recorded" : codes) + ".";
    if (!causes.empty()) text += " Underlying causes reported: " + causes + ".";
    std::string kind = b["pattern"].get<std::string>();
    text += kind == "persistent"
                ? " The failures look persistent: nearly every recipient there failed."
            : kind == "intermittent"
                ? " The failures look intermittent: other mail to the same destination was "
                  "delivered in the same period (failure rate " +
                      percent(c["failure_rate"]) + " of the " +
                      std::to_string(c.value("sends", std::uint64_t{0})) + " recipient(s) sent)."
                : " Without recipients sent in this window to compare, it cannot be told whether "
                  "they are intermittent or persistent.";
    std::uint64_t unmatched = c.value("unmatched_failed", std::uint64_t{0});
    if (unmatched > 0)
        text += " " + std::to_string(unmatched) +
                " failure(s) could not be matched to a message sent through this gateway and are "
                "in no rate.";
    if (n > 0) {
        text += " First seen " + b["first_seen"].get<std::string>() + ", last seen " +
                b["last_seen"].get<std::string>() + ".";
    }
    return text;
}

// Returns a Unix time in the local time zone, formatted with strftime's FORMAT.
std::string local_time_text(std::int64_t unix_time, const char* format) {
    std::time_t t = unix_time;
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

namespace {
// Returns strftime's "+hhmm" offset at the end of text as "+hh:mm", the form of every other time
// mxpulse prints (log lines, dates read from bounces).
std::string colon_offset(std::string text, std::size_t from_end) {
    if (text.size() >= from_end) text.insert(text.size() - from_end + 3, ":");
    return text;
}
}  // namespace

std::string iso_time(std::int64_t unix_time) {
    return colon_offset(local_time_text(unix_time, "%Y-%m-%dT%H:%M:%S%z"), 5);
}

std::string utc_time(std::int64_t unix_time) {
    std::time_t t = unix_time;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string time_zone(std::int64_t unix_time) {
    return colon_offset(local_time_text(unix_time, "%Z (%z)"), 6);
}

namespace {

// Adds the registry's bounce samples between from and until to b: the latest kMaxSamples, and
// the recipients, causes, Message-IDs and first and last times they show.
void add_samples(nlohmann::json& b, const nlohmann::json& health, std::int64_t from,
                 std::int64_t until) {
    std::map<std::string, std::set<std::string>> recipients;
    std::set<std::string> causes, bounce_ids, original_ids;
    std::vector<nlohmann::json> samples;
    std::int64_t first = 0, last = 0;
    for (const auto& s : health.value("samples", nlohmann::json::array())) {
        std::int64_t at = s.value("seen_at", std::int64_t{0});
        if (at < from || at > until) continue;
        first = first == 0 ? at : std::min(first, at);
        last = std::max(last, at);
        std::string rcpt = s.value("recipient", "");
        auto& set = recipients[util::address_domain(rcpt)];
        if (set.size() < kMaxRecipientsPerDomain) set.insert(rcpt);
        if (!s.value("cause_status", "").empty()) causes.insert(s.value("cause_status", ""));
        if (!s.value("bounce_message_id", "").empty() && bounce_ids.size() < kMaxMessageIds)
            bounce_ids.insert(s.value("bounce_message_id", ""));
        if (!s.value("original_message_id", "").empty() && original_ids.size() < kMaxMessageIds)
            original_ids.insert(s.value("original_message_id", ""));
        samples.push_back(s);
    }
    std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) {
        return a.value("seen_at", std::int64_t{0}) > b.value("seen_at", std::int64_t{0});
    });
    if (samples.size() > kMaxSamples) samples.resize(kMaxSamples);
    nlohmann::json affected = nlohmann::json::object();
    for (const auto& [domain, set] : recipients)
        affected[domain.empty() ? "(none)" : domain] = set;
    b["affected_recipients"] = affected;
    nlohmann::json sample_out = nlohmann::json::array();
    for (const auto& s : samples) {
        std::int64_t at = s.value("seen_at", std::int64_t{0});
        sample_out.push_back({{"seen_at", iso_time(at)},
                              {"recipient", s.value("recipient", "")},
                              {"action", s.value("action", "")},
                              {"status", s.value("status", "")},
                              {"cause_status", s.value("cause_status", "")},
                              {"diagnostic", s.value("diagnostic", "")},
                              {"remote_mta", s.value("remote_mta", "")},
                              {"last_attempt", s.value("last_attempt", "")},
                              {"bounce_message_id", s.value("bounce_message_id", "")},
                              {"original_message_id", s.value("original_message_id", "")},
                              {"time_to_bounce_s", s.value("time_to_bounce_s", std::int64_t{-1})},
                              {"queue_id", s.value("queue_id", "")}});
    }
    b["samples"] = sample_out;
    b["causes"] = causes;
    b["message_ids"] = {{"bounces", bounce_ids}, {"originals", original_ids}};
    b["first_seen"] = first ? iso_time(first) : "";
    b["last_seen"] = last ? iso_time(last) : "";
}

}  // namespace

nlohmann::json build(const Request& r, std::string_view scope, const nlohmann::json& health) {
    std::int64_t from = r.now - r.since_s;
    std::int64_t until = r.until ? r.until : r.now;
    stats::Window w = covering_window(r.since_s);
    const auto& win = health["windows"][std::string(window_name(w))];
    nlohmann::json b;
    b["subject"] = r.name;
    b["scope"] = scope;
    b["provider"] = scope == "provider" ? r.name : health.value("provider", "");
    b["generated_at"] = iso_time(r.now);
    b["time_window"] = {{"since", iso_time(from)},
                        {"until", iso_time(until)},
                        {"time_zone", time_zone(r.now)},
                        {"seconds", r.since_s}};
    b["domains"] = health.contains("domains") ? health["domains"] : nlohmann::json::array({r.name});
    b["counts"] = rate_fields(win);
    b["counts"].update({{"window", window_name(w)},
                        {"outbound_rcpts", win.value("outbound_rcpts", std::uint64_t{0})},
                        {"failed", win.value("failed", std::uint64_t{0})},
                        {"delayed", win.value("delayed", std::uint64_t{0})},
                        {"patterns", win.value("patterns", std::uint64_t{0})}});
    nlohmann::json by_status = nlohmann::json::array();
    for (const auto& s : health.value("statuses", nlohmann::json::array()))
        by_status.push_back({{"status", s["status"]}, {"count", s["count"]}});
    b["by_status"] = by_status;

    add_samples(b, health, from, until);
    const nlohmann::json& rate = b["counts"]["failure_rate"];
    b["pattern"] = rate.is_null()                          ? "unknown"
                   : rate.get<double>() >= kPersistentRate ? "persistent"
                                                           : "intermittent";
    b["outbound_auth"] = nlohmann::json::object();  // filled by the caller from the auth counters
    b["summary"] = summary(r.name, b);
    return b;
}

void resummarize(nlohmann::json& b) {
    b["summary"] = summary(b["subject"].get<std::string>(), b);
}

std::optional<nlohmann::json> build_from(const stats::Registry& registry, const Request& r) {
    if (r.scope != "provider")
        if (auto d = registry.domain(r.name, r.now)) return build(r, "domain", *d);
    if (r.scope != "domain")
        if (auto p = registry.provider(r.name, r.now)) return build(r, "provider", *p);
    return std::nullopt;
}

}  // namespace mxpulse::evidence
