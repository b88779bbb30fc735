// The message pipeline's entry point: direction first, then the step for that direction.
#include "pipeline/process.hpp"

#include "dsn/parse.hpp"
#include "log/scope.hpp"
#include "pipeline/steps.hpp"
#include "session/direction.hpp"
#include "util/strings.hpp"

namespace mxpulse::pipeline {

namespace {

// Parses the message when it has the null sender or looks like a report; the parser decides.
dsn::Report parse_if_report(const session::Session& s) {
    const session::Message& m = s.message();
    if (!(m.has_sender && m.sender.empty()) && !session::looks_like_bounce(m)) return {};
    dsn::ParseLimits limits;
    limits.max_recipients = static_cast<std::size_t>(s.config().max_recipients);
    return dsn::parse(m.raw(), limits);
}

// Returns the message.seen event of a message.
MessageSeen seen(const session::Session& s, stats::Direction dir, std::size_t tagged) {
    const session::Message& m = s.message();
    MessageSeen e;
    e.direction = dir;
    e.size = static_cast<std::int64_t>(m.header_bytes + m.body_size);
    e.sender = m.sender;
    e.rcpt_count = static_cast<std::int64_t>(m.recipients_seen);
    for (const std::string& d : session::recipient_domains(m))
        e.rcpt_domains += (e.rcpt_domains.empty() ? "" : ",") + d;
    if (const session::Header* mid = m.header("Message-ID"))
        e.message_id = std::string(util::trim(mid->value));
    e.client = s.client_address();
    e.bounce_recipients = static_cast<std::int64_t>(tagged);
    return e;
}

}  // namespace

Reply failure_reply(const config::Config& c) {
    Reply r;
    if (c.failure_action == "tempfail")
        r.kind = Reply::Kind::tempfail;
    else if (c.failure_action == "reject")
        r.kind = Reply::Kind::reject;
    else
        r.kind = Reply::Kind::accept;
    return r;
}

Outcome process(Intake& intake, State& state, std::int64_t now) {
    const session::Session& s = intake.session();
    Outcome out;
    out.queue_id = s.queue_id();
    log::QueueIdScope scope(out.queue_id);  // for events raised inside library calls (dns.timeout)
    for (stats::Limit l : s.message().limits_hit) {
        state.counters.count_limit(l);
        out.events.emplace_back(LimitHit{l});
    }
    dsn::Report report = parse_if_report(s);
    // Bounds the report reached: what lies beyond them was not analysed.
    for (mime::LimitHit h : report.limits_hit) {
        if (h == mime::LimitHit::depth || h == mime::LimitHit::parts) {
            stats::Limit l =
                h == mime::LimitHit::depth ? stats::Limit::mime_depth : stats::Limit::mime_parts;
            state.counters.count_limit(l);
            out.events.emplace_back(LimitHit{l});
        }
    }
    if (report.recipients.size() >= static_cast<std::size_t>(s.config().max_recipients)) {
        state.counters.count_limit(stats::Limit::dsn_recipients);
        out.events.emplace_back(LimitHit{stats::Limit::dsn_recipients});
    }
    bool bounce =
        report.is_bounce && (report.kind == dsn::Kind::dsn || report.kind == dsn::Kind::vendor);
    out.direction = session::classify(s, bounce);
    state.counters.count_message(out.direction);
    std::size_t tagged = 0;
    if (out.direction == stats::Direction::returning_dsn) {
        tagged = take_bounce(report, intake, state, now, out);
    } else if (out.direction == stats::Direction::outbound) {
        take_outbound(intake, state, now, out);
        if (intake.runtime().evaluator) check_outbound(intake, state, now, out);
    }
    out.events.emplace_back(seen(s, out.direction, tagged));
    if (intake.failed()) out.reply = failure_reply(s.config());
    return out;
}

}  // namespace mxpulse::pipeline
