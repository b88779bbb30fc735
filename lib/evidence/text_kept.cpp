// The text sections of a bundle built from the evidence store.
#include "evidence/text_kept.hpp"

#include <cstdio>
#include <map>
#include <set>

namespace mxpulse::evidence {

namespace {

// Returns a string member, or "" when it is missing or not a string.
std::string s(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return "";
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Appends a section heading.
void heading(std::string& out, const std::string& title) {
    out += "\n" + title + "\n" + std::string(title.size(), '-') + "\n";
}

// Returns the items of a set as "a, b (n), ..." from a map of counts.
std::string joined(const std::map<std::string, std::size_t>& m) {
    std::string out;
    for (const auto& [k, n] : m)
        out += (out.empty() ? "" : ", ") + k + " (" + std::to_string(n) + ")";
    return out.empty() ? "none" : out;
}

// Returns the elements of a JSON array of strings joined with ", ", or "none".
std::string list(const nlohmann::json& a) {
    std::string out;
    if (a.is_array())
        for (const auto& x : a)
            if (x.is_string()) out += (out.empty() ? "" : ", ") + x.get<std::string>();
    return out.empty() ? "none" : out;
}

// What the summary of one provider gathers from the kept NDRs.
struct ProviderFacts {
    std::map<std::string, std::size_t> domains, statuses, causes, servers;
    std::set<std::string> recipients;
    std::string first_utc, first_local, last_utc, last_local;
    const nlohmann::json* sample = nullptr;
};

// Gathers the facts of every provider from the kept NDRs.
std::map<std::string, ProviderFacts> facts_of(nlohmann::json& b) {
    std::map<std::string, ProviderFacts> out;
    for (auto& n : b["ndrs"]) {
        for (auto& k : n["recipients"]) {
            std::string p = s(k, "provider").empty() ? s(k, "domain") : s(k, "provider");
            ProviderFacts& f = out[p];
            ++f.domains[s(k, "domain")];
            ++f.statuses[s(k, "status").empty() ? "(none)" : s(k, "status")];
            ++f.causes[s(k, "cause")];
            for (auto& a : k["attempts"])
                ++f.servers[s(a, "server") + (s(a, "ip").empty() ? "" : " (" + s(a, "ip") + ")")];
            f.recipients.insert(s(k, "recipient"));
            if (f.first_utc.empty()) {
                f.first_utc = s(n, "seen_at_utc");
                f.first_local = s(n, "seen_at");
            }
            f.last_utc = s(n, "seen_at_utc");
            f.last_local = s(n, "seen_at");
            f.sample = &n;
        }
    }
    return out;
}

// Appends the summary of one provider.
void provider_summary(std::string& out, const std::string& name, const ProviderFacts& f,
                      nlohmann::json& b) {
    heading(out, "Ready-to-paste summary: " + name);
    out += "Affected domains: " + joined(f.domains) + "\n";
    out += "Affected recipients: " + std::to_string(f.recipients.size()) +
           " (every one is listed under \"Every failure\" below)\n";
    out += "First failure: " + f.first_utc + " (local " + f.first_local + ")\n";
    out += "Last failure:  " + f.last_utc + " (local " + f.last_local + ")\n";
    out += "Status codes: " + joined(f.statuses) + "\n";
    out += "Cause chains: " + joined(f.causes) + "\n";
    out += "Remote servers tried: " + joined(f.servers) + "\n";
    out += "Sending IPs seen by the remote servers: " + list(b["sending_ips"]);
    if (b["sending_ips"].empty())
        out += " (no Received: field of a remote server in the returned headers)";
    out += "\nMicrosoft 365 hosts the originals went through: " + list(b["m365_hosts"]) + "\n";
    out += "Sender domains: " + list(b["sender_domains"]) + "\n";
    if (f.sample)
        out += "Sample NDR: queue id " + s(*f.sample, "queue_id") + ", Message-ID " +
               s(*f.sample, "bounce_message_id") + ", original Message-ID " +
               s(*f.sample, "original_message_id") + "\n";
    out += "Completeness: " + s(b["kept"], "note") + "\n";
}

// Appends one NDR's recipients and attempts.
void ndr_lines(std::string& out, nlohmann::json& n) {
    for (auto& k : n["recipients"]) {
        out += "  " + s(n, "seen_at") + "  " + s(k, "recipient") + "  " + s(k, "action") + "  " +
               s(k, "status") + "\n";
        out += "    Cause: " + s(k, "cause") + "\n";
        out += "    Queue id: " + s(n, "queue_id") +
               "  NDR Message-ID: " + s(n, "bounce_message_id") + "\n";
        out += "    Original Message-ID: " + s(n, "original_message_id") + "\n";
        if (!s(k, "remote_mta").empty() || !s(k, "remote_ip").empty())
            out += "    Remote-MTA: " + s(k, "remote_mta") +
                   (s(k, "remote_ip").empty() ? "" : " (" + s(k, "remote_ip") + ")") + "\n";
        if (!s(k, "last_attempt").empty())
            out += "    Last-Attempt-Date: " + s(k, "last_attempt") + "\n";
        for (auto& a : k["attempts"])
            out += "    Attempt " + s(a, "time") + "  " + s(a, "server") + " (" + s(a, "ip") +
                   ")  " + s(a, "reply") + "\n";
    }
}

// Appends the original's headers of one NDR.
void original_lines(std::string& out, nlohmann::json& n) {
    auto& o = n["original"];
    if (!o.value("present", false)) return;
    out += "  Original of " + s(n, "queue_id") + " (NDR " + s(n, "bounce_message_id") + ")\n";
    out += "    Message-ID: " + s(o, "message_id") + "\n    From: " + s(o, "from") +
           "\n    Sender: " + s(o, "sender") + "\n    Date: " + s(o, "date") +
           "\n    Sent at: " + s(o, "sent_at") + "\n";
    out += "    Sending IP seen by the remote server: " +
           (s(o, "sending_ip").empty() ? std::string("not shown") : s(o, "sending_ip")) + "\n";
    for (auto& h : o["m365_hosts"])
        out += "    Microsoft 365 hop: " + s(h, "from") + " -> " + s(h, "by") +
               (s(h, "ip").empty() ? "" : " (from " + s(h, "ip") + ")") + "\n";
    for (auto& r : o["received"])
        out += "    Received: " + r.get<std::string>() + "\n";
}

}  // namespace

std::string ticket_summary(nlohmann::json& b) {
    std::string out;
    for (const auto& [name, f] : facts_of(b))
        provider_summary(out, name, f, b);
    return out;
}

void kept_text(std::string& out, nlohmann::json& b) {
    if (!b.contains("kept") || !b["ndrs"].is_array()) return;
    out += ticket_summary(b);
    heading(out, "Kept evidence");
    out += s(b["kept"], "note") + "\n";
    heading(out, "Every failure (" + std::to_string(b["kept"].value("shown_failed", 0)) +
                     " failed, " + std::to_string(b["kept"].value("shown_delayed", 0)) +
                     " delayed)");
    if (b["ndrs"].empty()) out += "none kept in this window\n";
    for (auto& n : b["ndrs"])
        ndr_lines(out, n);
    heading(out, "Original messages (headers returned in the NDRs)");
    std::size_t with = 0;
    for (auto& n : b["ndrs"]) {
        with += n["original"].value("present", false) ? 1 : 0;
        original_lines(out, n);
    }
    if (with == 0) out += "none of the kept NDRs returned the original's headers\n";
    heading(out, "Sample NDR, whole");
    if (!b.contains("sample_ndr")) {
        out += "none\n";
    } else {
        auto& sn = b["sample_ndr"];
        out += "File " + s(sn, "file") + ", " + std::to_string(sn.value("ndr_bytes", 0)) +
               " bytes as received" +
               (sn.value("truncated", false) ? " (cut to the store's bound)" : "") + "\n\n" +
               s(sn, "text") + "\n";
    }
}

void auth_text(std::string& out, nlohmann::json& b) {
    heading(out, "Outbound authentication (SPF/DKIM/DMARC) of the sender domains of the failures");
    if (!b["outbound_auth"].is_object() || b["outbound_auth"].empty())
        out += "  no sender domain is known for these failures\n";
    for (auto& [domain, r] : b["outbound_auth"].items()) {
        if (!r.value("evaluated", false)) {
            out += "  " + domain + ": not evaluated (" + s(r, "why") + ")\n";
            continue;
        }
        char line[256];
        std::snprintf(line, sizeof line,
                      "  %-30s %6llu messages  SPF %5.1f%%  DKIM %5.1f%%  DMARC %5.1f%% pass\n",
                      domain.c_str(), static_cast<unsigned long long>(r.value("messages", 0ULL)),
                      100 * r.value("spf_pass_rate", 0.0), 100 * r.value("dkim_pass_rate", 0.0),
                      100 * r.value("dmarc_pass_rate", 0.0));
        out += line;
    }
}

void dns_text(std::string& out, nlohmann::json& b) {
    if (!b.contains("dns")) return;
    heading(out, "DNS records of the sender domains (looked up by mxpulsectl)");
    for (auto& [domain, d0] : b["dns"].items()) {
        nlohmann::json d = d0;  // a copy: missing members read as null
        out += "  " + domain + "\n";
        if (!s(d, "error").empty()) {
            out += "    DNS did not answer: " + s(d, "error") + "\n";
            continue;
        }
        for (const auto& r : d["spf"].value("records", nlohmann::json::array()))
            out += "    SPF    \"" + r.get<std::string>() + "\"\n";
        for (const auto& k : d.value("dkim", nlohmann::json::array()))
            if (!s(k, "record").empty())
                out += "    DKIM   " + s(k, "name") + " \"" + s(k, "record") + "\"\n";
        if (!s(d["dmarc"], "record").empty())
            out += "    DMARC  _dmarc." + s(d["dmarc"], "record_domain") + " \"" +
                   s(d["dmarc"], "record") + "\"\n";
        for (const auto& f : d.value("findings", nlohmann::json::array()))
            out += "    " + s(f, "severity") + "  " + s(f, "check") + "  " + s(f, "message") + "\n";
    }
}

}  // namespace mxpulse::evidence
