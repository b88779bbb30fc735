// Classification of one recipient: reason (Sisimai vocabulary), family and derived codes.
#include "dsn/classify.hpp"

#include <cctype>

#include "dsn/codes.hpp"
#include "mime/ascii.hpp"

namespace mxpulse::dsn {
namespace {

// Returns the reason of the first rule whose phrase occurs in lowered text, or "".
std::string match_text(std::string_view lowered, const std::vector<Rule>& rules) {
    for (const auto& rule : rules)
        if (lowered.find(rule.key) != std::string_view::npos) return rule.reason;
    return {};
}

// Returns the reason of the rule whose key equals status (or is its prefix class), or "".
std::string match_status(std::string_view status, const std::vector<Rule>& rules, bool prefix) {
    if (status.empty()) return {};
    for (const auto& rule : rules) {
        if (rule.key == status) return rule.reason;
        if (prefix && status.size() > rule.key.size() && status.starts_with(rule.key) &&
            status[rule.key.size()] == '.')
            return rule.reason;
    }
    return {};
}

// Returns text with SMTP continuation prefixes ("550-5.7.1 ", "550 5.7.1 ") inside it removed,
// so that a reply wrapped over several lines reads as one sentence.
std::string strip_inner_codes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i > 0 && text[i - 1] == ' ' && i + 4 < text.size() && text[i] >= '2' &&
            text[i] <= '5' && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
            (text[i + 3] == '-' || text[i + 3] == ' ')) {
            std::size_t at = 0;
            const std::string status = find_status(text, i + 4, &at);
            if (!status.empty() && at == i + 4) {
                i = at + status.size();
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

// Returns the first 4xx/5xx enhanced status code in text, or "".
std::string failure_status(std::string_view text) {
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t at = 0;
        std::string s = find_status(text, from, &at);
        if (s.empty()) return s;
        if (s[0] != '2') return s;
        from = at + s.size();
    }
    return {};
}

// Returns true when a permanent expiry status field (5.4.x) sits over a transient reply status.
bool expiry_over_transient(std::string_view field, std::string_view said) {
    return field.starts_with("5.4.") && said.starts_with("4.");
}

}  // namespace

// Returns the coarse family of a reason.
std::string_view family_of(std::string_view r) {
    if (r == "expired" || r == "networkerror" || r == "hostunknown" || r == "notaccept" ||
        r == "toomanyconn" || r == "speeding" || r == "failedstarttls")
        return "transport";
    if (r == "userunknown" || r == "mailboxfull" || r == "suspend" || r == "hasmoved" ||
        r == "exceedlimit")
        return "mailbox";
    if (r == "blocked" || r == "rejected" || r == "policyviolation" || r == "norelaying" ||
        r == "badreputation" || r == "requireptr" || r == "filtered")
        return "policy";
    if (r == "authfailure" || r == "securityerror") return "authentication";
    if (r == "spamdetected" || r == "virusdetected" || r == "contenterror" || r == "mesgtoobig" ||
        r == "notcompliantrfc")
        return "content";
    if (r == "systemerror" || r == "systemfull" || r == "mailererror" || r == "syntaxerror")
        return "system";
    return "other";
}

// Returns the SMTP command a diagnostic names (MAIL, RCPT, DATA, CONN, EHLO), or "".
std::string smtp_command_of(std::string_view d) {
    if (mime::ifind(d, "after MAIL FROM") != std::string_view::npos ||
        mime::ifind(d, "reply to MAIL FROM") != std::string_view::npos ||
        mime::ifind(d, "[MAIL_FROM]") != std::string_view::npos)
        return "MAIL";
    if (mime::ifind(d, "after RCPT TO") != std::string_view::npos ||
        mime::ifind(d, "reply to RCPT TO") != std::string_view::npos ||
        mime::ifind(d, "[RCPT_TO]") != std::string_view::npos ||
        mime::ifind(d, "like our RCPT TO") != std::string_view::npos)
        return "RCPT";
    if (mime::ifind(d, "end of DATA") != std::string_view::npos ||
        mime::ifind(d, "final DATA") != std::string_view::npos ||
        mime::ifind(d, "after DATA") != std::string_view::npos)
        return "DATA";
    if (mime::ifind(d, "after initial connection") != std::string_view::npos) return "CONN";
    if (mime::ifind(d, "after EHLO") != std::string_view::npos) return "EHLO";
    return {};
}

// Returns the reason for a diagnostic and status using rules (no report-kind logic).
std::string reason_for(std::string_view diagnostic, std::string_view status, const RuleSet& rules) {
    const std::string lowered = mime::to_lower(strip_inner_codes(mime::squash_spaces(diagnostic)));
    std::string reason = match_text(lowered, rules.override_text);
    if (reason.empty()) reason = match_status(status, rules.status, false);
    if (reason.empty()) reason = match_text(lowered, rules.text);
    if (reason.empty()) reason = match_status(status, rules.fallback, true);
    if (reason.empty()) reason = "undefined";
    const std::string command = smtp_command_of(diagnostic);
    // A "user unknown" without a specific status, or after DATA, was a filter's verdict.
    const bool vague_status = status.size() == 5 && status.ends_with(".0.0");
    if (reason == "userunknown" && command != "MAIL" && (command == "DATA" || vague_status))
        reason = "filtered";
    if (command == "MAIL" && (reason == "userunknown" || reason == "undefined" ||
                              reason == "onhold" || reason == "hostunknown"))
        reason = "rejected";
    return reason;
}

// Fills reason, family, reply code and status defaults of r for a report of kind.
void classify(Recipient& r, Kind kind, const RuleSet& rules) {
    if (r.reply_code.empty()) r.reply_code = find_reply_code(r.diagnostic);
    // The code inside the remote reply is more precise than a summarising Status field, except
    // when the field reports a permanent expiry and the reply is the transient error behind it:
    // then the field is the final verdict and the reply is the cause (see cause_chain.hpp).
    const std::string said = failure_status(r.diagnostic);
    if (expiry_over_transient(r.reported_status, said)) {
        if (r.reply_code.starts_with('4')) r.reply_code.clear();
    } else if (!said.empty()) {
        r.status = said;
    }
    if (r.status.empty() && !r.reply_code.empty() && kind != Kind::feedback &&
        kind != Kind::autoreply)
        r.status = std::string(1, r.reply_code[0]) + ".0.0";
    if (r.smtp_command.empty()) r.smtp_command = smtp_command_of(r.diagnostic);
    if (kind == Kind::feedback) {
        r.reason = "feedback";
    } else if (kind == Kind::autoreply) {
        const std::string why = reason_for(r.diagnostic, "", rules);
        r.reason = why == "suspend" ? why : "vacation";
    } else if (r.action == "delivered" || r.status.starts_with("2.")) {
        r.reason = "delivered";
    } else if (r.action == "delayed" && !r.status.starts_with("5.")) {
        const std::string why = reason_for(r.diagnostic, "", rules);
        const bool vague =
            why == "undefined" || why == "onhold" || why == "expired" || why == "systemerror";
        r.reason = vague ? "expired" : why;
    } else {
        r.reason = reason_for(r.diagnostic, r.status, rules);
    }
    r.family = std::string(family_of(r.reason));
}

}  // namespace mxpulse::dsn
