// Writing the pipeline's events to the log, each with the keys its catalogue entry declares.
#include "pipeline/outcome.hpp"

#include <type_traits>

#include "log/logger.hpp"

namespace mxpulse::pipeline {

namespace {

// Returns the patterns joined with commas.
std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& p : items)
        out += (out.empty() ? "" : ",") + p;
    return out;
}

// Writes one bounce.tagged line.
void emit_bounce(const BounceTagged& b, const std::string& qid) {
    const stats::BounceEvent& e = b.event;
    log::emit_message(
        log::events::bounce_tagged, qid,
        {log::Field("domain", b.domain), log::Field("provider", b.provider),
         log::Field("action", e.action), log::Field("status", e.status),
         log::Field("reason", e.reason), log::Field("family", e.family),
         log::Field("cause", e.cause_status), log::Field("patterns", join(e.patterns)),
         log::Field("remote_mta", e.remote_mta), log::Field("recipient", e.recipient),
         log::Field("original_message_id", e.original_message_id),
         log::Field("time_to_bounce_s", e.time_to_bounce_s), log::Field("duplicate", b.duplicate)});
}

// Writes one outbound.auth line.
void emit_auth(const OutboundAuth& a, const std::string& qid) {
    log::emit_message(
        log::events::outbound_auth, qid,
        {log::Field("sender_domain", a.sender_domain), log::Field("from_domain", a.from_domain),
         log::Field("spf", a.spf), log::Field("spf_domain", a.spf_domain),
         log::Field("dkim", a.dkim), log::Field("dkim_signatures", a.dkim_signatures),
         log::Field("dmarc", a.dmarc), log::Field("policy", a.policy),
         log::Field("spf_aligned", a.spf_aligned), log::Field("dkim_aligned", a.dkim_aligned),
         log::Field("action", a.action), log::Field("elapsed_ms", a.elapsed_ms)});
}

// Writes the message.seen line.
void emit_seen(const MessageSeen& m, const std::string& qid) {
    log::emit_message(
        log::events::message_seen, qid,
        {log::Field("direction", stats::direction_name(m.direction)), log::Field("size", m.size),
         log::Field("sender", m.sender), log::Field("rcpt_count", m.rcpt_count),
         log::Field("rcpt_domains", m.rcpt_domains), log::Field("message_id", m.message_id),
         log::Field("client", m.client), log::Field("bounce_recipients", m.bounce_recipients)});
}

}  // namespace

void emit(const Event& event, const std::string& queue_id) {
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, LimitHit>) {
                log::emit_message(log::events::limit_hit, queue_id,
                                  {log::Field("limit", stats::limit_name(e.limit))});
            } else if constexpr (std::is_same_v<T, BounceTagged>) {
                emit_bounce(e, queue_id);
            } else if constexpr (std::is_same_v<T, OutboundAuth>) {
                emit_auth(e, queue_id);
            } else {
                emit_seen(e, queue_id);
            }
        },
        event);
}

}  // namespace mxpulse::pipeline
