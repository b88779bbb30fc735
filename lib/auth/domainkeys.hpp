// DomainKeys (RFC 4870, historic) verification of a message's DomainKey-Signature headers.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "auth/dkim.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// Verifies every DomainKey-Signature of one message (up to a cap) as it streams: each one signs
// the headers below it, so each keeps its own hash, and one refused signature (a short key, a
// syntax error) leaves the others to be tried.
class DomainKeysSession {
  public:
    // Starts a session; RESOLVER must outlive it; keys shorter than MIN_KEY_BITS are refused;
    // signatures after the first MAX_SIGNATURES are reported as not checked.
    DomainKeysSession(const dns::Resolver& resolver, unsigned min_key_bits, int max_signatures = 5);
    ~DomainKeysSession();
    DomainKeysSession(const DomainKeysSession&) = delete;
    DomainKeysSession& operator=(const DomainKeysSession&) = delete;

    // One header in arrival order; VALUE is everything after the colon as on the wire (leading
    // space kept, folded lines joined with CRLF, no trailing CRLF).
    void header(std::string_view name, std::string_view value);
    // Marks the end of the headers.
    void end_of_headers();
    // A chunk of the body with CRLF line ends (chunks split anywhere, even inside CRLF).
    void body(std::string_view chunk);
    // Every signature's verdict, top first; empty when the message has none. Repeated calls
    // return the same verdicts.
    std::vector<DkimSignature> finish_all();
    // The first (topmost) signature's verdict, or nullopt when the message has none.
    std::optional<DkimSignature> finish();

  private:
    struct Impl;
    const dns::Resolver& resolver_;
    unsigned min_key_bits_;
    std::size_t max_signatures_;
    bool headers_done_ = false;
    std::size_t skipped_ = 0;                   // signatures over the cap
    std::vector<std::unique_ptr<Impl>> impls_;  // one per DomainKey-Signature, top first
    std::optional<std::vector<DkimSignature>> final_;
};

}  // namespace mxpulse::auth
