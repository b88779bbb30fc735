// The bounce parser's entry point: a whole raw message in, a Report out.
#include "dsn/parse.hpp"
#include "dsn/provider_patterns.hpp"

#include <algorithm>
#include <optional>

#include "dsn/cause_chain.hpp"
#include "dsn/classify.hpp"
#include "dsn/codes.hpp"
#include "dsn/date.hpp"
#include "dsn/detect.hpp"
#include "dsn/fields.hpp"
#include "dsn/mbox.hpp"
#include "dsn/ses_json.hpp"
#include "dsn/text_scan.hpp"
#include "dsn/transcript.hpp"
#include "mime/encoded_word.hpp"
#include "mime/message.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns the bare lower-case address of a header value such as "Name <a@b>", or "".
std::string bare_address(std::string_view value) {
    const auto all = find_addresses(value);
    return all.empty() ? std::string() : all.front();
}

// The pieces of a parsed message the bounce logic looks at.
struct Sections {
    std::string human;                            // non-attached text parts, in order
    std::string_view human_cut;                   // human up to the returned original message
    std::vector<const mime::Part*> status_parts;  // delivery-status bodies
    std::vector<const mime::Part*> forwarded;     // delivery-status bodies of attached messages
    const mime::Part* feedback = nullptr;         // message/feedback-report
    const mime::HeaderBlock* original = nullptr;  // headers of the returned message
    mime::HeaderBlock rfc822_headers;             // storage for a text/rfc822-headers block
};

// Sorts the parts of msg into the sections s the bounce logic needs.
void sections_of(const mime::Message& msg, Sections& s) {
    bool have_plain = false;
    for (const auto& p : msg.parts)
        if (!p.attached && !p.is_container && p.media_type == "text/plain") have_plain = true;
    for (std::size_t i = 0; i < msg.parts.size(); ++i) {
        const auto& p = msg.parts[i];
        if (p.media_type == "message/delivery-status" ||
            p.media_type == "message/global-delivery-status") {
            (p.attached ? s.forwarded : s.status_parts).push_back(&p);
            continue;
        }
        if (p.media_type == "message/feedback-report") {
            if (!s.feedback) s.feedback = &p;
            continue;
        }
        if ((p.media_type == "message/rfc822" || p.media_type == "message/global") &&
            i + 1 < msg.parts.size() && !s.original) {
            s.original = &msg.parts[i + 1].headers;
            continue;
        }
        if (p.media_type == "text/rfc822-headers" || p.media_type == "text/rfc822-header") {
            if (!s.original) {
                std::vector<mime::LimitHit> hits;
                mime::parse_header_block(p.body, mime::Limits{}, s.rfc822_headers, hits);
                s.original = &s.rfc822_headers;
            }
            continue;
        }
        if (p.attached || p.is_container) continue;
        const bool text =
            p.media_type == "text/plain" || (!have_plain && p.media_type == "text/html");
        if (!text) continue;
        if (!s.human.empty()) s.human.push_back('\n');
        s.human.append(p.body);
    }
    s.human_cut = std::string_view(s.human).substr(0, human_text_end(s.human));
}

// Returns the comment of a Status field such as "4.0.0 (example.net: host name lookup failure)".
std::string status_comment(std::string_view status) {
    const std::size_t open = status.find('(');
    const std::size_t close = status.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close <= open)
        return {};
    return util::squash_spaces(status.substr(open + 1, close - open - 1));
}

// Fills a recipient from one RFC 3464 per-recipient group.
Recipient from_group(const mime::HeaderBlock& g) {
    Recipient r;
    r.final_recipient = util::to_lower(strip_type(g.get("Final-Recipient")));
    const std::string original = util::to_lower(strip_type(g.get("Original-Recipient")));
    r.recipient = r.final_recipient;
    if (r.recipient.find('@') == std::string::npos && original.find('@') != std::string::npos)
        r.recipient = original;
    if (r.recipient.empty()) r.recipient = util::to_lower(strip_type(g.get("X-Actual-Recipient")));
    r.action = util::to_lower(util::trim(g.get("Action")));
    if (const auto sp = r.action.find_first_of(" ("); sp != std::string::npos) r.action.resize(sp);
    r.status = find_status(g.get("Status"));
    r.reported_status = r.status;
    r.remote_mta = strip_type(g.get("Remote-MTA"));
    const std::string_view diagnostic = g.get("Diagnostic-Code");
    r.diagnostic = util::squash_spaces(strip_type(diagnostic));
    if (const std::size_t semi = diagnostic.find(';'); semi != std::string_view::npos && semi < 12)
        r.diagnostic_type = util::to_lower(util::trim(diagnostic.substr(0, semi)));
    // Without a Diagnostic-Code, a comment after the status code is the diagnostic.
    if (r.diagnostic.empty()) r.diagnostic = status_comment(g.get("Status"));
    r.last_attempt = to_iso8601(g.get("Last-Attempt-Date"));
    r.will_retry_until = to_iso8601(g.get("Will-Retry-Until"));
    return r;
}

// Adds the recipients of one delivery-status body to report (and its per-message fields).
void add_status_part(std::string_view body, const ParseLimits& limits, Report& report) {
    const StatusGroups g = parse_status_groups(body, limits.max_recipients);
    if (report.reporting_mta.empty()) {
        report.reporting_mta = strip_type(g.per_message.get("Reporting-MTA"));
        report.arrival_date = to_iso8601(g.per_message.get("Arrival-Date"));
        report.received_from_mta = strip_type(g.per_message.get("Received-From-MTA"));
    }
    for (const auto& group : g.per_recipient) {
        if (report.recipients.size() >= limits.max_recipients) break;
        report.recipients.push_back(from_group(group));
    }
}

// Recipients of a vendor bounce whose session transcript is looked at.
constexpr std::size_t kTranscriptRecipients = 64;

// Returns true when a looks like a plain address: a local part, "@", a domain, no blanks.
bool plain_address(std::string_view a) {
    const std::size_t at = a.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
           a.find_first_of(" \t|<>") == std::string_view::npos;
}

// Repairs DSN recipients whose Final-Recipient is no plain address (a pipe command, a bare
// source route "@host"): the address inside it, else X-Failed-Recipients, else the original To.
void repair_addresses(const mime::Message& msg, const Sections& s, std::vector<Recipient>& all) {
    for (auto& r : all) {
        if (plain_address(r.recipient)) continue;
        std::string fixed = bare_address(r.recipient);
        if (fixed.empty() && all.size() == 1) {
            fixed = bare_address(msg.headers.get("X-Failed-Recipients"));
            if (fixed.empty() && s.original) fixed = bare_address(s.original->get("To"));
        }
        if (!fixed.empty()) r.recipient = std::move(fixed);
    }
}

// Fills the original-message fields from a header block.
void fill_original(OriginalMessage& o, const mime::HeaderBlock& h) {
    o.message_id = std::string(util::trim(h.get("Message-ID")));
    o.from = mime::decode_encoded_words(h.get("From"));
    o.to = mime::decode_encoded_words(h.get("To"));
    o.date = to_iso8601(h.get("Date"));
    o.subject = mime::decode_encoded_words(h.get("Subject"));
    o.authentication_results = std::string(h.get("Authentication-Results"));
}

// Parses a header block returned inline after the human text (which ends at end), if any.
mime::HeaderBlock inline_original(std::string_view text, std::size_t end) {
    mime::HeaderBlock block;
    if (end >= text.size()) return block;
    std::string_view rest = text.substr(end);
    // Start at the first line that looks like a header field.
    std::size_t pos = 0;
    for (int lines = 0; pos < rest.size() && lines < 8; ++lines) {
        const std::size_t nl = rest.find('\n', pos);
        const std::string_view line =
            rest.substr(pos, nl == std::string_view::npos ? rest.size() - pos : nl - pos);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && colon > 0 && line.find(' ') > colon) break;
        pos = nl == std::string_view::npos ? rest.size() : nl + 1;
    }
    std::vector<mime::LimitHit> hits;
    mime::parse_header_block(rest.substr(pos), mime::Limits{}, block, hits);
    return block;
}

// Returns the (folded) text above the line where address first appears, at most 1 KiB of it.
std::string preamble(std::string_view text, std::string_view address) {
    const std::size_t at = util::ifind(text, address);
    if (at == std::string_view::npos) return {};
    const std::size_t line = text.rfind('\n', at);
    if (line == std::string_view::npos) return {};
    const std::size_t from = line > 1024 ? line - 1024 : 0;
    return util::squash_spaces(text.substr(from, line - from));
}

// Collects the recipients of a vendor (text-only) bounce.
std::vector<Recipient> vendor_recipients(const mime::Message& msg, const Sections& s,
                                         const ParseLimits& limits) {
    std::vector<std::string> exclude;
    for (auto name : {"From", "To", "Return-Path", "Reply-To", "Sender"}) {
        const std::string a = bare_address(msg.headers.get(name));
        if (!a.empty()) exclude.push_back(a);
    }
    std::string original_to;
    if (s.original) {
        const std::string a = bare_address(s.original->get("From"));
        if (!a.empty()) exclude.push_back(a);
        original_to = bare_address(s.original->get("To"));
    }
    std::vector<Recipient> out;
    const std::string failed = std::string(msg.headers.get("X-Failed-Recipients"));
    if (!failed.empty()) {
        for (const auto& a : find_addresses(failed)) {
            if (out.size() >= limits.max_recipients) break;
            Recipient r;
            r.recipient = a;
            r.diagnostic = block_for(s.human_cut, a);
            if (r.diagnostic.empty())
                r.diagnostic = util::squash_spaces(s.human_cut.substr(0, 4096));
            out.push_back(std::move(r));
        }
        if (!out.empty()) return out;
    }
    auto hits = scan_text(s.human_cut, exclude, limits.max_recipients);
    std::vector<std::string> addresses;
    for (const auto& hit : hits)
        addresses.push_back(hit.address);
    const bool transcript = s.human_cut.find(">>> ") != std::string_view::npos;
    for (auto& hit : hits) {
        Recipient r;
        r.recipient = hit.address;
        r.diagnostic = std::move(hit.block);
        // The session transcript above the recipient's line says what was refused and when
        // (looked at for the first recipients only: the search is not linear in their number).
        const std::string session = transcript && out.size() < kTranscriptRecipients
                                        ? transcript_context(s.human_cut, hit.address, addresses)
                                        : std::string();
        if (!session.empty() && r.diagnostic.find(session) == std::string::npos)
            r.diagnostic = session + ' ' + r.diagnostic;
        out.push_back(std::move(r));
    }

    if (out.empty() && !original_to.empty()) {
        Recipient r;
        r.recipient = original_to;
        r.diagnostic = util::squash_spaces(s.human_cut.substr(0, 4096));
        out.push_back(std::move(r));
    }
    return out;
}

// Collects the recipients of a feedback report or an auto-reply.
std::vector<Recipient> report_recipients(const mime::Message& msg, const Sections& s, Kind kind) {
    Recipient r;
    std::vector<std::string> rcpts;
    if (kind == Kind::autoreply) {
        r.recipient = bare_address(msg.headers.get("From"));
    } else if (s.feedback) {
        mime::HeaderBlock fb;
        std::vector<mime::LimitHit> hits;
        mime::parse_header_block(s.feedback->body, mime::Limits{}, fb, hits);
        for (auto name : {"Original-Rcpt-To", "Removal-Recipient"})
            for (const auto& f : fb.fields)
                if (util::iequals(f.name, name) && f.value.find('@') != std::string::npos)
                    rcpts.push_back(bare_address(f.value));
        if (rcpts.empty() && s.original) rcpts = find_addresses(s.original->get("To"));
    } else if (s.original) {
        // Some complaint loops name the complaining recipient in their own header.
        r.recipient = bare_address(s.original->get("X-HmXmrOriginalRecipient"));
        if (r.recipient.empty()) r.recipient = bare_address(s.original->get("To"));
    } else {
        // A complaint sent by the recipient's own mail client (an unsubscribe request).
        r.recipient = bare_address(msg.headers.get("From"));
    }
    r.diagnostic =
        util::squash_spaces(s.human.substr(0, std::min<std::size_t>(s.human.size(), 2048)));
    if (rcpts.empty()) return {r};
    std::vector<Recipient> out;
    for (const auto& a : rcpts) {
        out.push_back(r);
        out.back().recipient = a;
    }
    return out;
}

// Fills report from an SES JSON notification in the first text part; returns false when the
// message carries none.
bool from_ses(const mime::Message& msg, const ParseLimits& limits, const RuleSet& rules,
              Report& report) {
    for (const auto& p : msg.parts) {
        if (p.attached || p.is_container || !p.media_type.starts_with("text/")) continue;
        auto ses = parse_ses(p.body, limits.max_recipients);
        if (!ses) return false;
        report.is_bounce = true;
        report.kind = ses->kind;
        report.reporting_mta = std::move(ses->reporting_mta);
        report.arrival_date = std::move(ses->arrival_date);
        report.original = std::move(ses->original);
        report.recipients = std::move(ses->recipients);
        for (auto& r : report.recipients) {
            r.smtp_command = smtp_command_of(r.diagnostic);
            classify_with_command(r, report.kind, rules);
            find_cause(r, {});
            add_provider_patterns(r);
        }
        return true;
    }
    return false;
}

// Parses one message (headers and body).
Report parse_one(std::string_view raw, const ParseLimits& limits, const RuleSet& rules) {
    Report report;
    const mime::Message msg = mime::parse(raw, limits.mime);
    report.limits_hit = msg.limits_hit;
    report.kind = detect_kind(msg);
    if ((report.kind == Kind::none || report.kind == Kind::vendor) &&
        from_ses(msg, limits, rules, report))
        return report;
    if (report.kind == Kind::none) return report;
    report.is_bounce = true;
    Sections s;
    sections_of(msg, s);
    if (s.original)
        fill_original(report.original, *s.original);
    else
        fill_original(report.original, inline_original(s.human, s.human_cut.size()));

    if (report.kind == Kind::feedback || report.kind == Kind::autoreply) {
        report.recipients = report_recipients(msg, s, report.kind);
        if (report.recipients.size() > limits.max_recipients)
            report.recipients.resize(limits.max_recipients);
    } else {
        for (const auto* part : s.status_parts)
            add_status_part(part->body, limits, report);
        if (report.recipients.empty() && has_status_fields(s.human)) {
            std::size_t from = util::ifind(s.human, "Final-Recipient");
            if (from == std::string_view::npos) from = 0;
            const StatusGroups g =
                parse_status_groups(std::string_view(s.human).substr(from), limits.max_recipients);
            for (const auto& group : g.per_recipient)
                report.recipients.push_back(from_group(group));
        }
        repair_addresses(msg, s, report.recipients);
        // A bounce forwarded as an attachment: its delivery-status part still names them.
        if (report.recipients.empty())
            for (const auto* part : s.forwarded)
                add_status_part(part->body, limits, report);
        const bool from_status = !report.recipients.empty();
        if (!from_status) report.recipients = vendor_recipients(msg, s, limits);
        std::optional<std::string> human_command;  // the human part's command, read once
        for (auto& r : report.recipients) {
            if (r.diagnostic.empty()) r.diagnostic = block_for(s.human_cut, r.recipient);
            if (from_status) r.diagnostic = complete_reply(r.diagnostic, s.human_cut);
            // The human part often names the failed command that the status part omits.
            r.smtp_command = smtp_command_of(r.diagnostic);
            if (!r.smtp_command.empty()) continue;
            // The recipient's own lines in the human part (a vendor's diagnostic already is),
            // else the whole part when it does not name the recipient (or names one only).
            const std::string own =
                from_status ? block_for(s.human_cut, r.recipient) : std::string("-");
            if (from_status) r.smtp_command = smtp_command_of(own);
            if (r.smtp_command.empty() && (own.empty() || report.recipients.size() == 1)) {
                if (!human_command) human_command = smtp_command_of(s.human_cut);
                r.smtp_command = *human_command;
            }
        }
    }
    // The text above the first recipient's line, read when a recipient first needs it.
    std::optional<std::string> intro;
    // A problem the human text states for the whole message (not per recipient): in the report
    // text, or right after the header lines it quotes (not deep inside a returned message).
    constexpr std::size_t kAfterCut = 2048;
    const Rule* stated =
        report.kind == Kind::dsn || report.kind == Kind::vendor
            ? stated_rule(std::string_view(s.human).substr(0, s.human_cut.size() + kAfterCut),
                          rules)
            : nullptr;
    // Bounce recipients had their failed command looked for above; reports' did not.
    const bool command_known = report.kind == Kind::dsn || report.kind == Kind::vendor;
    for (auto& r : report.recipients) {
        if (command_known)
            classify_with_command(r, report.kind, rules);
        else
            classify(r, report.kind, rules);
        if (stated != nullptr && r.reason != "delivered" && r.action != "delayed") {
            r.reason = stated->reason;
            r.rule_line = stated->line;
            r.family = std::string(family_of(r.reason));
        }
        // Text that states the error once above the list of recipients applies to each of
        // them when their own lines decide nothing.
        if ((r.reason == "onhold" || r.reason == "undefined") && report.kind == Kind::vendor) {
            if (!intro) intro = preamble(s.human_cut, report.recipients.front().recipient);
        }
        if ((r.reason == "onhold" || r.reason == "undefined") && intro && !intro->empty()) {
            Recipient again = r;
            again.diagnostic = *intro + ' ' + r.diagnostic;
            again.status = again.reported_status;
            again.reply_code.clear();
            classify(again, report.kind, rules);
            if (again.reason != "onhold" && again.reason != "undefined") r = std::move(again);
        }
        find_cause(r, s.human);
        add_provider_patterns(r);
    }
    return report;
}

}  // namespace

// Parses a raw message (headers and body), or each message of an mbox-form text, merging their
// recipients. "Not a bounce" is Report::is_bounce == false.
Report parse(std::string_view raw, const ParseLimits& limits) {
    return parse(raw, limits, default_rules());
}

// As parse, classifying with rules instead of the embedded table.
Report parse(std::string_view raw, const ParseLimits& limits, const RuleSet& rules) {
    const auto messages = split_mbox(raw, limits.max_messages);
    if (messages.size() == 1) return parse_one(raw, limits, rules);
    Report merged;
    for (auto message : messages) {
        Report one = parse_one(message, limits, rules);
        if (!one.is_bounce) continue;
        if (!merged.is_bounce) {
            merged = std::move(one);
            continue;
        }
        for (auto& r : one.recipients)
            if (merged.recipients.size() < limits.max_recipients)
                merged.recipients.push_back(std::move(r));
        merged.limits_hit.insert(merged.limits_hit.end(), one.limits_hit.begin(),
                                 one.limits_hit.end());
    }
    if (!merged.is_bounce) return parse_one(messages.front(), limits, rules);
    return merged;
}

}  // namespace mxpulse::dsn
