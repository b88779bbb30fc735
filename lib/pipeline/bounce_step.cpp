// A returning bounce: tagged per recipient, grouped by provider, correlated with its original,
// counted, and given the configured header edits and actions.
#include "evidence/capture.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/steps.hpp"
#include "tagging/tagging.hpp"
#include "util/strings.hpp"

namespace mxpulse::pipeline {

namespace {

constexpr std::int64_t kRemoteMtaGuessTtl = 86400;  // a Remote-MTA guess is kept one day

// Returns the message's own Message-ID, trimmed ("" when it has none).
std::string own_message_id(const session::Message& m) {
    const session::Header* mid = m.header("Message-ID");
    return mid ? std::string(util::trim(mid->value)) : std::string();
}

// Adds the plan's header edits, copy and quarantine to the Outcome.
void add_actions(const tagging::Plan& plan, const config::Config& c, const session::Message& m,
                 Outcome& out) {
    for (const std::string& h : plan.headers)
        out.headers.push_back({HeaderEdit::Op::add, c.tagging_header, h, 1, "", ""});
    if (plan.prefix_subject) {
        const session::Header* subject = m.header("Subject");
        std::string value =
            c.subject_prefix + " " + std::string(subject ? util::trim(subject->value) : "");
        out.headers.push_back({subject ? HeaderEdit::Op::change : HeaderEdit::Op::add, "Subject",
                               std::move(value), 1, "subject", plan.matched});
    }
    if (plan.copy) {
        out.add_recipients.push_back(c.copy_to);
        out.add_recipients_matched = plan.matched;
    }
    if (plan.quarantine) {
        out.quarantine = "mxpulse: " + plan.matched;
        out.quarantine_matched = plan.matched;
    }
}

// Hands the NDR and its counted recipients to the evidence store's writer thread (no disk here);
// the NDR text is cut to the store's bound first, so the queue holds bounded copies.
void keep_evidence(const dsn::Report& report, const std::vector<evidence::Counted>& counted,
                   const session::Message& m, State& state, std::int64_t now,
                   const std::string& queue_id, const std::string& bounce_id) {
    if (!state.evidence || counted.empty()) return;
    evidence::Record rec = evidence::capture(report, counted, now, queue_id, bounce_id);
    if (rec.original_sender.empty() && !m.recipients.empty()) rec.original_sender = m.recipients[0];
    std::string raw = m.raw();
    rec.ndr_bytes = std::max<std::uint64_t>(raw.size(), m.header_bytes + m.body_size);
    if (raw.size() > state.evidence->options().max_ndr_bytes)
        raw.resize(state.evidence->options().max_ndr_bytes);
    state.evidence->enqueue(std::move(rec), std::move(raw));
}

}  // namespace

std::size_t take_bounce(const dsn::Report& report, const Intake& intake, State& state,
                        std::int64_t now, Outcome& out) {
    const Runtime& rt = intake.runtime();
    const session::Message& m = intake.session().message();
    tagging::Plan plan = tagging::plan(report, *rt.config, now);
    std::string bounce_id = own_message_id(m);
    std::vector<evidence::Counted> counted;
    for (const tagging::Tagged& t : plan.recipients) {
        ask_mx(t.domain, rt, state, now, out);
        if (!t.event.remote_mta.empty() && !rt.providers->has_mx(t.domain, now))
            rt.providers->learn(t.domain, t.event.remote_mta, false, now + kRemoteMtaGuessTtl);
        std::string provider = rt.providers->lookup(t.domain, now);
        stats::BounceEvent e = t.event;
        e.queue_id = out.queue_id;
        e.bounce_message_id = bounce_id;
        if (auto o = state.correlation.find(e.original_message_id, now)) {
            e.time_to_bounce_s = now - o->sent_at;
            e.original_sender = o->sender;
        }
        bool duplicate = state.dedup && !state.dedup->first(dedup_key(e), now);
        if (!duplicate) {
            // A failure counts against its send once per recipient sent (see stats::Rate).
            std::optional<std::int64_t> sent_at;
            if (e.action != "delayed")
                sent_at = state.correlation.claim(e.original_message_id, t.domain, now);
            state.registry.record_bounce(t.domain, provider, e, now, sent_at.value_or(0));
            if (state.history && e.action != "delayed" &&
                state.history->record_failure(t.domain, provider, now))
                out.events.emplace_back(LimitHit{stats::Limit::history_entries});
            counted.push_back(
                {e.recipient, t.domain, provider, e.original_message_id, e.original_sender});
        }
        out.events.emplace_back(
            BounceTagged{t.domain, std::move(provider), std::move(e), duplicate});
    }
    keep_evidence(report, counted, m, state, now, out.queue_id, bounce_id);
    add_actions(plan, *rt.config, m, out);
    return plan.recipients.size();
}

}  // namespace mxpulse::pipeline
