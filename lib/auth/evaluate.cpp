// One entry point: a plain message in, the full SPF/DKIM/DMARC verdict out.
#include "auth/evaluate.hpp"

#include <strings.h>

namespace mxpulse::auth {

// Builds the evaluator's long-lived parts.
std::unique_ptr<Evaluator> Evaluator::create(const dns::Resolver& resolver,
                                             const AuthConfig& config, std::string& error) {
    std::unique_ptr<Evaluator> e(new Evaluator());
    e->resolver_ = &resolver;
    e->config_ = config;
    e->dkim_ = DkimVerifier::create(resolver, config.dkim, error);
    if (!e->dkim_) return nullptr;
    e->psl_ = PublicSuffixList::load(config.psl_file, error);
    if (!e->psl_) return nullptr;
    return e;
}

// Evaluates a whole message, verifying DKIM from its stored body.
Verdict Evaluator::evaluate(const Message& message) const {
    auto session = dkim_->start();
    for (const auto& h : message.headers)
        session->header(h.name, h.value);
    session->end_of_headers();
    for (const auto& chunk : message.body_chunks)
        session->body(chunk);
    return evaluate(message, session->finish());
}

// Evaluates SPF and DMARC around DKIM results gathered elsewhere.
Verdict Evaluator::evaluate(const Message& message, std::vector<DkimSignature> dkim) const {
    auto t0 = std::chrono::steady_clock::now();
    Verdict v;
    v.spf = spf_evaluate(*resolver_, config_.spf, message.envelope_sender, message.helo);
    v.spf_result = spf_worst(v.spf);
    if (!v.spf.empty()) v.spf_domain = v.spf.front().domain;
    v.dkim = std::move(dkim);
    v.dkim_result = dkim_overall(v.dkim);
    std::vector<std::string> froms;
    for (const auto& h : message.headers) {
        if (strcasecmp(h.name.c_str(), "From") == 0) froms.push_back(h.value);
    }
    std::vector<AuthIdentity> ids;
    for (const auto& s : v.dkim) {
        if (s.kind == SignatureKind::dkim) ids.push_back({s.domain, s.result});
    }
    v.dmarc = dmarc_evaluate(*resolver_, *psl_, froms, {v.spf_domain, v.spf_result}, ids);
    v.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    return v;
}

}  // namespace mxpulse::auth
