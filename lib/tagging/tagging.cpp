// What a returning bounce gets at end of message.
#include "tagging/tagging.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mxpulse::tagging {

namespace {

// Returns true when any pattern or the reason of the event is in the list.
bool matches(const stats::BounceEvent& e, const std::vector<std::string>& when,
             std::string& matched) {
    for (const std::string& w : when) {
        if (w == e.reason ||
            std::find(e.patterns.begin(), e.patterns.end(), w) != e.patterns.end()) {
            matched = w;
            return true;
        }
    }
    return false;
}

// Keeps a header parameter value to printable ASCII without ';' so the header stays parseable.
std::string clean(std::string_view v) {
    std::string out;
    for (unsigned char c : v) {
        if (c > 0x20 && c < 0x7f && c != ';') out += static_cast<char>(c);
    }
    return out.substr(0, 255);
}

}  // namespace

bool counts(const dsn::Report& report, const dsn::Recipient& r) {
    if (!report.is_bounce || (report.kind != dsn::Kind::dsn && report.kind != dsn::Kind::vendor))
        return false;
    if (r.action == "failed" || r.action == "delayed") return true;
    if (!r.action.empty()) return false;  // delivered, relayed, expanded
    return r.status.starts_with("4.") || r.status.starts_with("5.");
}

std::string header_value(const Tagged& t) {
    const stats::BounceEvent& e = t.event;
    std::string v = clean(t.domain.empty() ? "unknown" : t.domain);
    v += "; reason=" + clean(e.reason.empty() ? "undefined" : e.reason);
    if (!e.status.empty()) v += "; status=" + clean(e.status);
    if (e.action == "delayed") v += "; action=delayed";
    if (!e.cause_status.empty()) v += "; cause=" + clean(e.cause_status);
    for (const std::string& p : e.patterns)
        v += "; pattern=" + clean(p);
    if (!e.remote_mta.empty()) v += "; remote-mta=" + clean(e.remote_mta);
    return v;
}

Plan plan(const dsn::Report& report, const config::Config& c, std::int64_t now) {
    Plan p;
    for (const dsn::Recipient& r : report.recipients) {
        if (!counts(report, r)) continue;
        Tagged t;
        t.domain = util::address_domain(r.recipient);
        stats::BounceEvent& e = t.event;
        e.recipient = r.recipient;
        e.action =
            r.action.empty() ? (r.status.starts_with("4.") ? "delayed" : "failed") : r.action;
        e.status = r.status;
        e.reply_code = r.reply_code;
        e.reason = r.reason;
        e.family = r.family;
        e.cause_status = r.cause_status;
        e.patterns = r.patterns;
        e.diagnostic = r.diagnostic;
        e.remote_mta = r.remote_mta;
        e.last_attempt = r.last_attempt;
        e.original_message_id = report.original.message_id;
        e.seen_at = now;
        if (c.tagging_enabled) {
            if (p.headers.size() < static_cast<std::size_t>(c.tagging_max_headers))
                p.headers.push_back(header_value(t));
            else
                ++p.untagged;
        }
        if (!c.subject_prefix.empty() && matches(e, c.subject_when, p.matched))
            p.prefix_subject = true;
        if (!c.copy_to.empty() && matches(e, c.copy_when, p.matched)) p.copy = true;
        if (matches(e, c.quarantine_when, p.matched)) p.quarantine = true;
        p.recipients.push_back(std::move(t));
    }
    return p;
}

}  // namespace mxpulse::tagging
