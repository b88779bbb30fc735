// The evidence bundle as readable text (for a ticket) or CSV (one row per sample).
#include "evidence/format.hpp"

#include <array>
#include <cstdio>

#include "evidence/text_kept.hpp"

namespace mxpulse::evidence {

namespace {

// Returns a string member or "" when it is missing or not a string.
std::string str(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return "";
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Returns a number member, or fallback when it is missing or not a number.
double number(const nlohmann::json& j, const char* key, double fallback) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// Appends a section heading.
void heading(std::string& out, const std::string& title) {
    out += "\n" + title + "\n" + std::string(title.size(), '-') + "\n";
}

// Returns a value or "-" when it is empty.
std::string or_dash(const std::string& s) {
    return s.empty() ? "-" : s;
}

constexpr std::array kColumns{
    "seen_at",           "recipient",           "action",           "status",
    "cause_status",      "remote_mta",          "last_attempt",     "diagnostic",
    "bounce_message_id", "original_message_id", "time_to_bounce_s", "queue_id"};

}  // namespace

namespace {

// Appends the registry's samples (the bundle without an evidence store).
void sample_lines(std::string& out, nlohmann::json& b) {
    heading(out, "Sample NDRs");
    if (b["samples"].empty()) out += "none in this window\n";
    for (auto& s : b["samples"]) {
        out +=
            "  " + str(s, "seen_at") + "  " + str(s, "recipient") + "  " + str(s, "action") + "\n";
        out += "    Status: " + or_dash(str(s, "status"));
        if (!str(s, "cause_status").empty() && str(s, "cause_status") != str(s, "status"))
            out += " (cause " + str(s, "cause_status") + ")";
        out += "\n    Remote-MTA: " + or_dash(str(s, "remote_mta")) + "\n";
        out += "    Last-Attempt-Date: " + or_dash(str(s, "last_attempt")) + "\n";
        out += "    Diagnostic-Code: " + or_dash(str(s, "diagnostic")) + "\n";
        out += "    Bounce Message-ID: " + or_dash(str(s, "bounce_message_id")) + "\n";
        out += "    Original Message-ID: " + or_dash(str(s, "original_message_id"));
        auto ttb = static_cast<std::int64_t>(number(s, "time_to_bounce_s", -1.0));
        if (ttb >= 0) out += " (bounced " + std::to_string(ttb) + " s after sending)";
        out += "\n";
    }
}

// Appends the counters' section.
void counts_lines(std::string& out, nlohmann::json& b) {
    std::string window = str(b["counts"], "window");
    heading(out, window == "total" ? std::string("Counts (since the counters started)")
                                   : "Counts (last " + window + ")");
    auto& c = b["counts"];
    // Failures of the sends in the window over those sends (never over 100 %); without sends
    // here in the window no rate is printed (never 0.0 %), and the reason is given instead.
    char rate[96];
    if (c.contains("failure_rate") && c["failure_rate"].is_number())
        std::snprintf(rate, sizeof rate, "%.1f%% (%s of %s recipients sent)",
                      c["failure_rate"].get<double>() * 100,
                      c.value("failed_of_sends", nlohmann::json(0)).dump().c_str(),
                      c.value("sends", nlohmann::json(0)).dump().c_str());
    else
        std::snprintf(rate, sizeof rate, "none (no recipients sent in the window)");
    out += "Outbound recipients: " + c["outbound_rcpts"].dump() + "\n";
    out += "Failed recipients:   " + c["failed"].dump() + "\n";
    out += "Delayed recipients:  " + c["delayed"].dump() + "\n";
    out += "Failure rate:        " + std::string(rate) + "\n";
    out += "Unmatched failures:  " + c.value("unmatched_failed", nlohmann::json(0)).dump() + "\n";
    heading(out, "Counts by status (since counters started)");
    if (b["by_status"].empty()) out += "none\n";
    for (auto& s : b["by_status"]) {
        std::string status = str(s, "status");
        out += "  " + status + std::string(status.size() < 10 ? 10 - status.size() : 1, ' ') +
               s["count"].dump() + "\n";
    }
}

// Builds the text form; throws nlohmann::json::exception on a bundle of the wrong shape.
std::string text_of(nlohmann::json& b) {
    std::string out = "Delivery evidence for " + str(b, "subject") + " (" + str(b, "scope") + ")\n";
    auto& tw = b["time_window"];
    out += "Generated " + str(b, "generated_at") + "\n";
    out += "Time window: " + str(tw, "since") + " to " + str(tw, "until") + ", time zone " +
           str(tw, "time_zone") + "\n";
    if (!str(b, "provider").empty()) out += "Provider: " + str(b, "provider") + "\n";
    heading(out, "Summary");
    out += str(b, "summary") + "\n";
    kept_text(out, b);
    counts_lines(out, b);
    heading(out, "Affected recipients by domain");
    if (b["affected_recipients"].empty()) out += "none in this window\n";
    for (auto it = b["affected_recipients"].begin(); it != b["affected_recipients"].end(); ++it) {
        out += "  " + it.key() + " (" + std::to_string(it->size()) + ")\n";
        for (const auto& r : *it)
            out += "    " + r.get<std::string>() + "\n";
    }
    if (!b.contains("kept")) {
        out +=
            "\nNo evidence store ([evidence] directory is empty): the lists above and below "
            "come from the latest bounce samples kept per destination "
            "(stats.samples_per_destination), not from every failure counted.\n";
        sample_lines(out, b);
    }
    heading(out, "Message-IDs");
    out += "Bounces:\n";
    for (const auto& m : b["message_ids"]["bounces"])
        out += "  " + m.get<std::string>() + "\n";
    out += "Originals:\n";
    for (const auto& m : b["message_ids"]["originals"])
        out += "  " + m.get<std::string>() + "\n";
    auth_text(out, b);
    dns_text(out, b);
    return out;
}

}  // namespace

std::string csv_field(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char ch : v) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

namespace {

// Returns one CSV row object per kept recipient, with the columns of the registry's samples.
nlohmann::json kept_rows(nlohmann::json& b) {
    nlohmann::json rows = nlohmann::json::array();
    for (auto& n : b["ndrs"])
        for (auto& k : n["recipients"])
            rows.push_back({{"seen_at", n["seen_at"]},
                            {"recipient", k["recipient"]},
                            {"action", k["action"]},
                            {"status", k["status"]},
                            {"cause_status", k["cause_status"]},
                            {"remote_mta", k["remote_mta"]},
                            {"last_attempt", k["last_attempt"]},
                            {"diagnostic", k["diagnostic"]},
                            {"bounce_message_id", n["bounce_message_id"]},
                            {"original_message_id", n["original_message_id"]},
                            {"time_to_bounce_s", ""},
                            {"queue_id", n["queue_id"]}});
    return rows;
}

// Builds the CSV form; throws nlohmann::json::exception on a bundle of the wrong shape.
std::string csv_of(nlohmann::json& b) {
    std::string out = "subject,scope";
    for (const char* col : kColumns)
        out += std::string(",") + col;
    out += "\r\n";
    for (auto& s : b.contains("ndrs") ? kept_rows(b) : b["samples"]) {
        out += csv_field(str(b, "subject")) + "," + csv_field(str(b, "scope"));
        for (const char* col : kColumns) {
            auto& v = s[col];
            out += "," + csv_field(v.is_string() ? v.get<std::string>() : v.dump());
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace

std::string to_text(const nlohmann::json& bundle) {
    nlohmann::json b = bundle;  // a copy: missing members read as null instead of undefined
    try {
        return b.is_object() ? text_of(b) : "malformed evidence bundle\n";
    } catch (const nlohmann::json::exception& e) {
        return std::string("malformed evidence bundle: ") + e.what() + "\n";
    }
}

std::string to_csv(const nlohmann::json& bundle) {
    nlohmann::json b = bundle;
    try {
        return b.is_object() ? csv_of(b) : "";
    } catch (const nlohmann::json::exception&) {
        return "";
    }
}

}  // namespace mxpulse::evidence
