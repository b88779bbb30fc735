// Outbound SPF/DKIM/DMARC at end of message: evaluate, count, log, act.
#include "outbound_auth.hpp"

#include <algorithm>
#include <ctime>

#include "auth/auth_results.hpp"
#include "auth/evaluate.hpp"
#include "log/logger.hpp"
#include "util/strings.hpp"

namespace mxpulse::milter {

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

}  // namespace

std::string header_for_mta(bool leadspc, std::string value) {
    if (leadspc && (value.empty() || (value[0] != ' ' && value[0] != '\t'))) value.insert(0, " ");
    return value;
}

sfsistat check_outbound(SMFICTX* ctx, App& app, const session::Session& s, bool leadspc,
                        std::vector<auth::DkimSignature> dkim, const std::string& queue_id) {
    auto evaluator = app.evaluator();
    if (!evaluator) return SMFIS_CONTINUE;
    const config::Config& c = s.config();
    const session::Message& m = s.message();
    auth::Message msg;
    msg.envelope_sender = m.sender;
    msg.helo = s.helo();
    for (const session::Header& h : m.headers)
        msg.headers.push_back({h.name, " " + h.value});
    auth::Verdict v = evaluator->evaluate(msg, std::move(dkim));

    std::string sender_domain = util::address_domain(m.sender);
    std::string spf(auth::result_name(v.spf_result)), dkim_r(auth::result_name(v.dkim_result)),
        dmarc(auth::result_name(v.dmarc.result));
    app.auth_counters.record(v.dmarc.from_domain.empty() ? sender_domain : v.dmarc.from_domain, spf,
                             dkim_r, dmarc, std::time(nullptr));

    bool failing = v.dmarc.result == auth::Result::fail;
    std::string action = "log";
    sfsistat reply = SMFIS_CONTINUE;
    if (c.auth_action == "header") {
        std::string ar =
            header_for_mta(leadspc, auth::format_authentication_results(c.authserv_id, v));
        smfi_insheader(ctx, 0, const_cast<char*>("Authentication-Results"),
                       const_cast<char*>(ar.c_str()));
        action = "header";
    } else if (failing && (c.auth_action == "tempfail" || c.auth_action == "reject") &&
               in_scope(c, v.dmarc.from_domain, sender_domain)) {
        bool reject = c.auth_action == "reject";
        std::string text =
            "DMARC check failed for " + v.dmarc.from_domain + " (mxpulse outbound policy)";
        smfi_setreply(ctx, const_cast<char*>(reject ? "550" : "451"),
                      const_cast<char*>(reject ? "5.7.1" : "4.7.1"),
                      const_cast<char*>(text.c_str()));
        reply = reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
        action = c.auth_action;
    }
    log::emit_message(
        log::events::outbound_auth, queue_id,
        {log::Field("sender_domain", sender_domain), log::Field("from_domain", v.dmarc.from_domain),
         log::Field("spf", spf), log::Field("spf_domain", v.spf_domain), log::Field("dkim", dkim_r),
         log::Field("dkim_signatures", dkim_summary(v.dkim)), log::Field("dmarc", dmarc),
         log::Field("policy", auth::policy_name(v.dmarc.policy)),
         log::Field("spf_aligned", v.dmarc.spf_aligned),
         log::Field("dkim_aligned", v.dmarc.dkim_aligned), log::Field("action", action),
         log::Field("elapsed_ms", static_cast<std::int64_t>(v.elapsed.count() / 1000))});
    return reply;
}

}  // namespace mxpulse::milter
