// Classification of one recipient: reason (Sisimai vocabulary), family and derived codes.
#include "dsn/classify.hpp"

#include <cctype>
#include <utility>

#include "dsn/codes.hpp"
#include "dsn/host_rules.hpp"
#include "dsn/phrase_matcher.hpp"
#include "dsn/provider_codes.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns the rule whose key equals status (or is its prefix class), or nullptr.
const Rule* status_rule(std::string_view status, const std::vector<Rule>& rules, bool prefix) {
    if (status.empty()) return nullptr;
    for (const auto& rule : rules) {
        if (rule.key == status) return &rule;
        if (prefix && status.size() > rule.key.size() && status.starts_with(rule.key) &&
            status[rule.key.size()] == '.')
            return &rule;
    }
    return nullptr;
}

// Returns the reason of the rule whose key equals status (or is its prefix class), or "".
std::string match_status(std::string_view status, const std::vector<Rule>& rules, bool prefix) {
    const Rule* rule = status_rule(status, rules, prefix);
    return rule == nullptr ? std::string() : rule->reason;
}

// Returns text with whitespace runs folded to one space and SMTP continuation prefixes
// ("550-5.7.1 ", "550 5.7.1 ") inside it removed, so that a reply wrapped over several lines
// reads as one sentence.
std::string fold_reply(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty() && i + 4 < text.size() && c >= '2' && c <= '5' &&
            std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
            (text[i + 3] == '-' || text[i + 3] == ' ')) {
            std::size_t at = 0;
            const std::string status = find_status(text, i + 4, &at);
            if (!status.empty() && at == i + 4) {
                i = at + status.size() - 1;
                continue;
            }
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

// Returns true when the status code at text[at] follows an SMTP reply code ("550 5.2.2",
// "550-'5.2.2"): it is the remote server's own, not a relay's summary of it.
bool after_reply_code(std::string_view text, std::size_t at) {
    std::size_t p = at;
    if (p > 0 && (text[p - 1] == '\'' || text[p - 1] == '"')) --p;
    if (p < 4 || (text[p - 1] != ' ' && text[p - 1] != '-')) return false;
    const std::string_view code = text.substr(p - 4, 3);
    return (code[0] == '4' || code[0] == '5') &&
           std::isdigit(static_cast<unsigned char>(code[1])) &&
           std::isdigit(static_cast<unsigned char>(code[2])) &&
           (p == 4 || !std::isdigit(static_cast<unsigned char>(text[p - 5])));
}

// Returns true for a status that says nothing particular (X.0.0): a more specific code in the
// same text is preferred to it. (A Status field 4.4.7 gives way to any code of the reply; in the
// text, a 4.4.7 that heads a cause chain is the verdict, see cause_chain.hpp.)
bool unspecific_status(std::string_view s) {
    return s.ends_with(".0.0");
}

// Returns the 4xx/5xx enhanced status code of text: the first one given with an SMTP reply
// code, else the first one; an X.0.0 only when the text has no other; "" when there is none.
std::string failure_status(std::string_view text) {
    std::string first, vague;
    std::size_t from = 0;
    for (int seen = 0; from < text.size() && seen < 8; ++seen) {
        std::size_t at = 0;
        std::string s = find_status(text, from, &at);
        if (s.empty()) break;
        from = at + s.size();
        if (s[0] == '2') continue;
        if (unspecific_status(s)) {
            if (vague.empty()) vague = std::move(s);
            continue;
        }
        if (after_reply_code(text, at)) return s;
        if (first.empty()) first = std::move(s);
    }
    return first.empty() ? vague : first;
}

// Returns true when a permanent expiry status field (5.4.x) sits over a transient reply status.
bool expiry_over_transient(std::string_view field, std::string_view said) {
    return field.starts_with("5.4.") && said.starts_with("4.");
}

// Returns true when a "user unknown" was a content filter's verdict rather than an answer about
// the mailbox: not an answer to RCPT, with a status that is about neither addressing (x.1.x)
// nor the protocol (x.5.x), and given after DATA or with some status.
bool filter_verdict(std::string_view status, std::string_view command, const RuleSet& rules) {
    if (command == "RCPT" || command == "MAIL") return false;
    if (match_status(status, rules.status, false) == "userunknown") return false;
    if (status.size() >= 4 && (status.substr(1, 3) == ".1." || status.substr(1, 3) == ".5."))
        return false;
    return command == "DATA" || !status.empty();
}

// Returns the first 4xx/5xx reply code in text; a 2xx code only when success is expected.
std::string failure_reply(std::string_view text, bool success) {
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t at = 0;
        std::string code = find_reply_code(text, from, &at);
        if (code.empty() || code[0] != '2' || success) return code;
        from = at + 3;
    }
    return {};
}

// Returns true when text says a host name, not a mailbox, "does not exist" ("553 mx.example.com
// does not exist").
bool missing_host(std::string_view text) {
    const std::size_t at = util::ifind(text, " does not exist");
    if (at == std::string_view::npos || at == 0) return false;
    std::size_t start = at;
    while (start > 0 && text[start - 1] != ' ')
        --start;
    std::string_view token = text.substr(start, at - start);
    while (!token.empty() &&
           (token.front() == '<' || token.front() == '"' || token.front() == '\''))
        token.remove_prefix(1);
    while (!token.empty() && (token.back() == '>' || token.back() == '"' || token.back() == '\'' ||
                              token.back() == '.' || token.back() == ':'))
        token.remove_suffix(1);
    bool dot = false, letter = false;
    for (char c : token) {
        if (c == '.') {
            dot = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            letter = true;
        } else if (!(c >= '0' && c <= '9') && c != '-') {
            return false;
        }
    }
    return dot && letter;
}

// Returns true when rule is one of rules.
bool one_of(const Rule* rule, const std::vector<Rule>& rules) {
    return rule != nullptr && !rules.empty() && rule >= &rules.front() && rule <= &rules.back();
}

// Returns the reason an SMTP reply code states by itself for the command it answered (RFC 5321
// 4.2.2 and 3.3, RFC 1870 SIZE, RFC 4954 AUTH, RFC 7504 no mail), or "" when the code alone
// says nothing particular. Used only for an outcome that no rule decided.
std::string_view reply_reason(std::string_view reply, std::string_view command) {
    if (reply == "530") return "securityerror";                // authentication required
    if (reply == "521" || reply == "556") return "notaccept";  // host / domain takes no mail
    // command unrecognised, not implemented, bad sequence, parameter not implemented or not
    // recognised
    if (reply == "500" || reply == "502" || reply == "503" || reply == "504" || reply == "555")
        return "syntaxerror";
    if (command == "MAIL" && reply == "552") return "mesgtoobig";  // SIZE beyond the limit
    if (command == "RCPT") {
        if (reply == "550" || reply == "553") return "userunknown";  // mailbox unavailable
        if (reply == "551") return "hasmoved";                       // user not local
    }
    return {};
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

// Returns the SMTP command a diagnostic names (MAIL, RCPT, DATA, CONN, EHLO, HELO), or "".
std::string smtp_command_of(std::string_view d) {
    // A session transcript (">>> RCPT To:<...>") names the command that failed last.
    // The last ">>> " (a forward search: it jumps with memchr, a backward one does not).
    std::size_t sent = std::string_view::npos;
    for (std::size_t at = d.find(">>> "); at != std::string_view::npos; at = d.find(">>> ", at + 4))
        sent = at;
    if (sent != std::string_view::npos) {
        const std::string_view verb = d.substr(sent + 4, 4);
        for (std::string_view c : {"MAIL", "RCPT", "DATA", "EHLO", "HELO"})
            if (util::iequals(verb, c)) return std::string(c);
    }
    static constexpr std::pair<std::string_view, std::string_view> kPhrases[] = {
        {"after MAIL FROM", "MAIL"},
        {"reply to MAIL FROM", "MAIL"},
        {"[MAIL_FROM]", "MAIL"},
        {"does not like sender", "MAIL"},
        {"after RCPT", "RCPT"},
        {"reply to RCPT TO", "RCPT"},
        {"[RCPT_TO]", "RCPT"},
        {"SMTP:RCPT", "RCPT"},
        {"like our RCPT TO", "RCPT"},
        {"does not like recipient", "RCPT"},
        {"progress was RCPT", "RCPT"},
        {"end of DATA", "DATA"},
        {"final DATA", "DATA"},
        {"after DATA", "DATA"},
        {"reply to DATA", "DATA"},
        {"after initial connection", "CONN"},
        {"refused to talk to me", "CONN"},
        {"greeting failed", "CONN"},
        {"but sender was rejected", "MAIL"},
        {"after EHLO", "EHLO"},
        {"reply to EHLO", "EHLO"},
        {"after HELO", "HELO"},
        {"reply to HELO", "HELO"},
    };
    static const PhraseMatcher matcher = [] {
        std::vector<std::string> phrases;
        for (const auto& entry : kPhrases)
            phrases.emplace_back(entry.first);
        return PhraseMatcher(phrases);
    }();
    const std::size_t hit = matcher.first_phrase(d);
    return hit == PhraseMatcher::npos ? std::string() : std::string(kPhrases[hit].second);
}

// Returns the reason for a diagnostic and status using rules (no report-kind logic).
std::string reason_for(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                       std::string_view known_command) {
    return decide_for(diagnostic, status, rules, known_command).reason;
}

// As reason_for, with the deciding rule.
Decision decide_for(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                    std::string_view known_command) {
    if (!known_command.empty()) return decide(diagnostic, status, rules, known_command);
    return decide(diagnostic, status, rules, smtp_command_of(diagnostic));
}

// Returns the reason for a diagnostic, status and failed command (empty: none) using rules.
std::string decide_reason(std::string_view diagnostic, std::string_view status,
                          const RuleSet& rules, std::string_view command) {
    return decide(diagnostic, status, rules, command).reason;
}

// Returns the reason and deciding rule for a diagnostic, status and failed command.
Decision decide(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                std::string_view command) {
    // The order of precedence is written down in README.md (tier 1, the decoder's own verdict,
    // is the caller's). A provider's own error code (tier 3) outranks only the codes that are
    // not specific: a specific enhanced status (tier 2) decides first.
    const Rule* specific = status_rule(status, rules.status, false);
    const Rule* coded = provider_rule(diagnostic, rules.code);
    if (coded != nullptr && specific == nullptr) return {coded->reason, coded};
    const std::string folded = fold_reply(diagnostic);
    // Without a status code or a failed command, generic phrases decide on their own.
    if (status.empty() && command.empty()) {
        const std::size_t bare = rules.bare_phrases->first_phrase(folded);
        if (bare != PhraseMatcher::npos) return {rules.bare[bare].reason, &rules.bare[bare]};
    }
    // One pass finds the first override rule and the first text rule that match.
    const std::size_t hit = rules.phrases->first_phrase(folded);
    const std::size_t overrides = rules.override_text.size();
    const Rule* rule = nullptr;
    if (hit < overrides) rule = &rules.override_text[hit];
    if (rule == nullptr) rule = status_rule(status, rules.status, false);
    if (rule == nullptr && hit != PhraseMatcher::npos && hit >= overrides)
        rule = &rules.text[hit - overrides];
    // An exact fallback code beats a generic phrase; the phrase beats a code's class.
    if (rule == nullptr) rule = status_rule(status, rules.fallback, false);
    if (rule == nullptr) {
        const std::size_t weak = rules.weak_phrases->first_phrase(folded);
        if (weak != PhraseMatcher::npos) rule = &rules.weak[weak];
    }
    if (rule == nullptr) rule = status_rule(status, rules.fallback, true);
    std::string reason = rule == nullptr ? "undefined" : rule->reason;
    // Nothing but a code's class decided (or nothing at all): the reply code and the command it
    // answered decide (tier 4).
    if (rule == nullptr ||
        (one_of(rule, rules.fallback) && rule->key.size() == 3 && rule->key.ends_with(".0"))) {
        const std::string_view by_reply = reply_reason(failure_reply(folded, false), command);
        if (!by_reply.empty()) reason = by_reply;
    }
    if (reason == "userunknown" && missing_host(folded)) reason = "hostunknown";
    // "User unknown" with 5.2.1 (mailbox disabled) and no command named: a suspended mailbox.
    if (reason == "userunknown" && command.empty() && status.size() >= 5 &&
        status.substr(1, 4) == ".2.1")
        reason = "suspend";
    if (reason == "userunknown" && filter_verdict(status, command, rules)) reason = "filtered";
    const bool vague = reason == "undefined" || reason == "onhold" || reason == "rejected";
    if (command == "MAIL" && (vague || reason == "userunknown" || reason == "hostunknown"))
        reason = "rejected";
    // Refused before any envelope was sent: the client itself was blocked.
    if ((command == "CONN" || command == "EHLO" || command == "HELO") && vague) reason = "blocked";
    return {std::move(reason), rule};
}

// Returns the reason a bounce's human text states for all of its recipients, or "".
std::string stated_reason(std::string_view human, const RuleSet& rules) {
    const Rule* rule = stated_rule(human, rules);
    return rule == nullptr ? std::string() : rule->reason;
}

// Returns the message rule a bounce's human text matches, or nullptr.
const Rule* stated_rule(std::string_view human, const RuleSet& rules) {
    // Such a statement sits near the top; a long text is the returned message, not the report.
    constexpr std::size_t kStatedScan = 8192;
    const std::size_t hit = rules.message_phrases->first_phrase(human.substr(0, kStatedScan));
    return hit == PhraseMatcher::npos ? nullptr : &rules.message[hit];
}

// Fills reason, family, reply code and status defaults of r for a report of kind.
void classify(Recipient& r, Kind kind, const RuleSet& rules) {
    if (r.smtp_command.empty()) r.smtp_command = smtp_command_of(r.diagnostic);
    classify_with_command(r, kind, rules);
}

// As classify, with r.smtp_command already looked for (possibly empty).
void classify_with_command(Recipient& r, Kind kind, const RuleSet& rules) {
    if (r.reply_code.empty())
        r.reply_code =
            failure_reply(r.diagnostic, r.action == "delivered" || r.status.starts_with("2."));
    // The code inside the remote reply is more precise than a summarising Status field, except
    // when the field reports a permanent expiry and the reply is the transient error behind it:
    // then the field is the final verdict and the reply is the cause (see cause_chain.hpp).
    const std::string said = failure_status(r.diagnostic);
    if (expiry_over_transient(r.reported_status, said)) {
        if (r.reply_code.starts_with('4')) r.reply_code.clear();
    } else if (!said.empty() &&
               !(unspecific_status(said) && !r.status.empty() && !unspecific_status(r.status))) {
        // An unspecific code in the text never replaces a specific Status field.
        r.status = said;
    }
    if (r.status.empty() && !r.reply_code.empty() && kind != Kind::feedback &&
        kind != Kind::autoreply)
        r.status = std::string(1, r.reply_code[0]) + ".0.0";
    if (kind == Kind::feedback) {
        r.reason = "feedback";
    } else if (kind == Kind::autoreply) {
        const Decision why = decide_for(r.diagnostic, "", rules);
        r.reason = why.reason == "suspend" ? why.reason : "vacation";
        if (why.reason == "suspend" && why.rule != nullptr) r.rule_line = why.rule->line;
    } else if (r.action == "delivered" || r.status.starts_with("2.")) {
        r.reason = "delivered";
    } else if (r.action == "delayed" && !r.status.starts_with("5.")) {
        const Decision why = decide_for(r.diagnostic, "", rules);
        const bool vague = why.reason == "undefined" || why.reason == "onhold" ||
                           why.reason == "expired" || why.reason == "systemerror";
        r.reason = vague ? "expired" : why.reason;
        if (!vague && why.rule != nullptr) r.rule_line = why.rule->line;
    } else {
        Decision why;
        if (const Rule* host = host_rule({r.recipient, r.remote_mta, r.diagnostic}, rules))
            why = {host->reason, host};
        else
            why = decide(r.diagnostic, r.status, rules, r.smtp_command);
        r.reason = std::move(why.reason);
        r.rule_line = why.rule == nullptr ? 0 : why.rule->line;
        // A vendor's text that no rule decides: Sisimai's "onhold", not "undefined".
        if (r.reason == "undefined" && kind == Kind::vendor) r.reason = "onhold";
        // A transient error reported as permanent: the sender's MTA gave up retrying.
        if ((r.reason == "onhold" || r.reason == "undefined") && r.status.starts_with("4.") &&
            util::ifind(r.diagnostic, "permanent error") != std::string_view::npos)
            r.reason = "expired";
    }
    // An undecided exit status of a local delivery program is the mailer's error.
    if (r.diagnostic_type == "x-unix" &&
        (r.reason == "undefined" || r.reason == "onhold" || r.reason == "expired"))
        r.reason = "mailererror";
    r.family = std::string(family_of(r.reason));
}

}  // namespace mxpulse::dsn
