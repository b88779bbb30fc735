// What the milter path hands the evidence store for one returning NDR.
#include "evidence/capture.hpp"

#include "util/strings.hpp"

namespace mxpulse::evidence {

namespace {

// Returns the report's recipient with that address (any case), or nullptr.
const dsn::Recipient* find(const dsn::Report& report, const std::string& address) {
    for (const dsn::Recipient& r : report.recipients)
        if (util::to_lower(r.recipient) == util::to_lower(address)) return &r;
    return nullptr;
}

// Returns the kept form of one counted recipient.
KeptRecipient kept(const Counted& c, const dsn::Recipient* r) {
    KeptRecipient k;
    k.recipient = c.recipient;
    k.domain = c.domain;
    k.provider = c.provider;
    if (!r) return k;
    k.action = r->action;
    k.status = r->status;
    k.cause_status = r->cause_status;
    k.cause_chain = r->cause_chain;
    k.remote_mta = r->remote_mta;
    k.remote_ip = r->remote_ip;
    k.diagnostic = r->diagnostic;
    k.last_attempt = r->last_attempt;
    k.attempts = r->attempts;
    k.patterns = r->patterns;
    return k;
}

}  // namespace

Record capture(const dsn::Report& report, const std::vector<Counted>& counted, std::int64_t now,
               std::string_view queue_id, std::string_view bounce_message_id) {
    Record rec;
    rec.seen_at = now;
    rec.queue_id = queue_id;
    rec.bounce_message_id = bounce_message_id;
    rec.reporting_mta = report.reporting_mta;
    rec.original_message_id = report.original.message_id;
    for (const Counted& c : counted) {
        if (rec.original_message_id.empty()) rec.original_message_id = c.original_message_id;
        if (rec.original_sender.empty()) rec.original_sender = c.original_sender;
        rec.recipients.push_back(kept(c, find(report, c.recipient)));
    }
    return rec;
}

}  // namespace mxpulse::evidence
