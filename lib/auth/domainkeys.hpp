// DomainKeys (RFC 4870, historic) verification of a message's first DomainKey-Signature.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "auth/dkim.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// Verifies the first DomainKey-Signature of one message as it streams.
class DomainKeysSession {
  public:
    // Starts a session; RESOLVER must outlive it; keys shorter than MIN_KEY_BITS are refused.
    DomainKeysSession(const dns::Resolver& resolver, unsigned min_key_bits);
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
    // The verdict, or nullopt when the message has no DomainKey-Signature.
    std::optional<DkimSignature> finish();

  private:
    struct Impl;
    const dns::Resolver& resolver_;
    unsigned min_key_bits_;
    bool headers_done_ = false;
    std::unique_ptr<Impl> impl_;  // built at the first DomainKey-Signature
};

}  // namespace mxpulse::auth
