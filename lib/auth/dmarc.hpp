// DMARC (RFC 7489) evaluation: From domain, record discovery, identifier alignment, policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dmarc_record.hpp"
#include "auth/org_domain.hpp"
#include "auth/result.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// An authenticated identifier offered for alignment (SPF MAIL FROM domain or DKIM d=).
struct AuthIdentity {
    std::string domain;
    Result result = Result::none;
};

// The DMARC verdict for one message.
struct DmarcVerdict {
    Result result = Result::none;  // pass, fail, none, temperror, permerror
    std::string from_domain;
    std::string org_domain;
    std::string record_domain;  // where the record was found ("" when none)
    std::optional<DmarcRecord> record;
    Policy policy = Policy::none;  // the policy that applies (p or sp)
    bool spf_aligned = false;
    bool dkim_aligned = false;
    std::string dkim_aligned_domain;
    std::string reason;
};

// Every address domain in a From header value, in order (bounded to 32).
std::vector<std::string> from_domains(std::string_view header_value);

// Identifier alignment (RFC 7489 3.1): strict = equal, relaxed = same organisational domain.
bool domains_aligned(std::string_view a, std::string_view b, bool strict,
                     const PublicSuffixList& psl);

// Finds the DMARC record for DOMAIN (then its organisational domain).
DmarcVerdict dmarc_discover(const dns::Resolver& resolver, const PublicSuffixList& psl,
                            std::string_view from_domain);

// Evaluates DMARC. FROM_VALUES are the values of every From header of the message.
DmarcVerdict dmarc_evaluate(const dns::Resolver& resolver, const PublicSuffixList& psl,
                            const std::vector<std::string>& from_values, const AuthIdentity& spf,
                            const std::vector<AuthIdentity>& dkim);

}  // namespace mxpulse::auth
