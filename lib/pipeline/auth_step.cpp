// Outbound SPF/DKIM/DMARC at end of message: evaluate, count per sender domain, decide the action.
#include "auth/auth_results.hpp"
#include "auth/evaluate.hpp"
#include "pipeline/steps.hpp"
#include "util/strings.hpp"

namespace mxpulse::pipeline {

namespace {

// Returns true when the action applies to this sender domain (all when the list is empty).
bool in_scope(const config::Config& c, const std::string& from_domain,
              const std::string& sender_domain) {
    if (c.auth_action_domains.empty()) return true;
    for (const std::string& d : c.auth_action_domains) {
        if (util::iequals(d, from_domain) || util::iequals(d, sender_domain)) return true;
    }
    return false;
}

// Summarises the signatures as "pass:d=example.com:s=sel,fail:d=other.example:s=k1"; a
// DomainKeys signature ends in ":domainkeys".
std::string dkim_summary(const std::vector<auth::DkimSignature>& sigs) {
    std::string out;
    for (const auth::DkimSignature& s : sigs) {
        out += (out.empty() ? "" : ",") + std::string(auth::result_name(s.result)) +
               ":d=" + s.domain + ":s=" + s.selector;
        if (s.kind == auth::SignatureKind::domainkeys) out += ":domainkeys";
    }
    return out;
}

// Returns the message as the evaluator reads it.
auth::Message auth_message(const session::Session& s) {
    auth::Message msg;
    msg.envelope_sender = s.message().sender;
    msg.helo = s.helo();
    for (const session::Header& h : s.message().headers)
        msg.headers.push_back({h.name, " " + h.value});
    return msg;
}

// Applies the configured action to a verdict; returns the action's name.
std::string decide(const config::Config& c, const auth::Verdict& v,
                   const std::string& sender_domain, Outcome& out) {
    if (c.auth_action == "header") {
        out.headers.push_back({HeaderEdit::Op::insert_first, "Authentication-Results",
                               auth::format_authentication_results(c.authserv_id, v), 1, "", ""});
        return "header";
    }
    bool failing = v.dmarc.result == auth::Result::fail;
    if (!failing || (c.auth_action != "tempfail" && c.auth_action != "reject") ||
        !in_scope(c, v.dmarc.from_domain, sender_domain))
        return "log";
    bool reject = c.auth_action == "reject";
    out.reply.kind = reject ? Reply::Kind::reject : Reply::Kind::tempfail;
    out.reply.code = reject ? "550" : "451";
    out.reply.enhanced = reject ? "5.7.1" : "4.7.1";
    out.reply.text = "DMARC check failed for " + v.dmarc.from_domain + " (mxpulse outbound policy)";
    return c.auth_action;
}

}  // namespace

void check_outbound(Intake& intake, State& state, std::int64_t now, Outcome& out) {
    const Runtime& rt = intake.runtime();
    const session::Session& s = intake.session();
    auth::Verdict v = rt.evaluator->evaluate(auth_message(s), intake.finish_dkim());
    std::string sender_domain = util::address_domain(s.message().sender);
    OutboundAuth e;
    e.sender_domain = sender_domain;
    e.from_domain = v.dmarc.from_domain;
    e.spf = auth::result_name(v.spf_result);
    e.spf_domain = v.spf_domain;
    e.dkim = auth::result_name(v.dkim_result);
    e.dkim_signatures = dkim_summary(v.dkim);
    e.dmarc = auth::result_name(v.dmarc.result);
    e.policy = auth::policy_name(v.dmarc.policy);
    e.spf_aligned = v.dmarc.spf_aligned;
    e.dkim_aligned = v.dmarc.dkim_aligned;
    e.elapsed_ms = static_cast<std::int64_t>(v.elapsed.count() / 1000);
    state.auth_counters.record(e.from_domain.empty() ? sender_domain : e.from_domain, e.spf, e.dkim,
                               e.dmarc, now);
    e.action = decide(*rt.config, v, sender_domain, out);
    out.events.emplace_back(std::move(e));
}

}  // namespace mxpulse::pipeline
