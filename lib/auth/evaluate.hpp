// One entry point: a plain message in, the full SPF/DKIM/DMARC verdict out.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/dkim.hpp"
#include "auth/dmarc.hpp"
#include "auth/org_domain.hpp"
#include "auth/spf.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// One header as the milter saw it; VALUE is everything after the colon (keep the leading space).
struct Header {
    std::string name;
    std::string value;
};

// A message as handed over at end of message.
struct Message {
    std::string envelope_sender;  // MAIL FROM without <>; empty for the null sender
    std::string helo;
    std::vector<Header> headers;
    std::vector<std::string> body_chunks;  // CRLF body, in arrival order
};

// Settings of the authentication check (the lead exposes these as config options).
struct AuthConfig {
    SpfConfig spf;                        // egress addresses, budget, query cap
    DkimConfig dkim;                      // signature cap, minimum key size
    std::string psl_file;                 // empty = system list
    std::string authserv_id = "mxpulse";  // for Authentication-Results
};

// The full verdict.
struct Verdict {
    std::vector<SpfCheck> spf;         // one per egress address
    Result spf_result = Result::none;  // the worst of them
    std::string spf_domain;
    std::vector<DkimSignature> dkim;
    Result dkim_result = Result::none;
    DmarcVerdict dmarc;
    std::chrono::microseconds elapsed{0};
};

// Holds the long-lived parts (libopendkim handle, PSL) bound to one resolver.
class Evaluator {
  public:
    // Builds an evaluator; nullptr and ERROR on failure. RESOLVER must outlive it.
    static std::unique_ptr<Evaluator> create(const dns::Resolver& resolver,
                                             const AuthConfig& config, std::string& error);

    // Evaluates a whole message (DKIM fed from its body chunks).
    Verdict evaluate(const Message& message) const;
    // Evaluates with DKIM results already gathered by a streaming DkimSession.
    Verdict evaluate(const Message& message, std::vector<DkimSignature> dkim) const;
    // Starts a streaming DKIM session (feed headers and body as they arrive).
    std::unique_ptr<DkimSession> start_dkim() const { return dkim_->start(); }
    // The configuration in force.
    const AuthConfig& config() const { return config_; }
    // The Public Suffix List in use.
    const PublicSuffixList& psl() const { return *psl_; }

  private:
    Evaluator() = default;
    const dns::Resolver* resolver_ = nullptr;
    AuthConfig config_;
    std::unique_ptr<DkimVerifier> dkim_;
    std::unique_ptr<PublicSuffixList> psl_;
};

}  // namespace mxpulse::auth
