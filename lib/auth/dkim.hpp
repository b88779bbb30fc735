// DKIM (RFC 6376) verification with libopendkim, keys resolved through mxpulse::dns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/result.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// DKIM settings.
struct DkimConfig {
    int max_signatures = 5;        // signatures checked per message; the rest are ignored
    unsigned min_key_bits = 1024;  // shorter RSA keys fail
};

// Which signature header a verdict belongs to: DKIM-Signature (RFC 6376) or the historic
// DomainKey-Signature (RFC 4870), reported under its own Authentication-Results method.
enum class SignatureKind { dkim, domainkeys };

// One signature's verdict.
struct DkimSignature {
    SignatureKind kind = SignatureKind::dkim;
    std::string domain;     // d=
    std::string selector;   // s=
    std::string algorithm;  // a=
    Result result = Result::none;
    std::string error;      // libopendkim's reason when not pass
    unsigned key_bits = 0;  // key size when the key was loaded
    // A finding beside the verdict: "rsa-sha1" for a DKIM signature made with the algorithm
    // RFC 8301 3.1 says MUST NOT be used (the verdict stays what the cryptography says; see
    // mxpulse(8), OUTBOUND AUTHENTICATION).
    std::string note;
};

class DkimVerifier;

// Verification of one message: feed headers, then body chunks, then finish().
class DkimSession {
  public:
    ~DkimSession();
    DkimSession(const DkimSession&) = delete;
    DkimSession& operator=(const DkimSession&) = delete;

    // Adds one header; VALUE is everything after the colon, as on the wire.
    void header(std::string_view name, std::string_view value);
    // Marks the end of the headers.
    void end_of_headers();
    // Feeds a chunk of the body (CRLF line ends), as it streams.
    void body(std::string_view chunk);
    // Finishes and returns every signature's verdict (at most max_signatures checked).
    std::vector<DkimSignature> finish();

  private:
    friend class DkimVerifier;
    DkimSession() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A libopendkim library handle bound to a resolver; thread-safe for start().
class DkimVerifier {
  public:
    // Builds a verifier; nullptr and ERROR on failure. RESOLVER must outlive it.
    static std::unique_ptr<DkimVerifier> create(const dns::Resolver& resolver,
                                                const DkimConfig& config, std::string& error);
    ~DkimVerifier();
    DkimVerifier(const DkimVerifier&) = delete;
    DkimVerifier& operator=(const DkimVerifier&) = delete;

    // Starts verifying one message.
    std::unique_ptr<DkimSession> start() const;
    // The configuration in force.
    const DkimConfig& config() const { return config_; }

  private:
    DkimVerifier() = default;
    void* lib_ = nullptr;
    const dns::Resolver* resolver_ = nullptr;
    DkimConfig config_;
};

// Overall DKIM result of a message: pass if any DKIM signature passes, else the most telling
// one. DomainKeys signatures do not count (DMARC and "dkim=" know only DKIM).
Result dkim_overall(const std::vector<DkimSignature>& sigs);

// The same over the signatures of KIND, or of every kind when KIND is empty.
Result signatures_overall(const std::vector<DkimSignature>& sigs,
                          std::optional<SignatureKind> kind);

}  // namespace mxpulse::auth
