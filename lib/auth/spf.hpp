// SPF (RFC 7208) evaluation with libspf2, resolving through mxpulse::dns.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "auth/result.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// SPF settings.
struct SpfConfig {
    std::vector<std::string> egress_addresses;  // IPv4/IPv6 the receiving side sees
    std::chrono::milliseconds budget{6000};     // wall-clock cap for one evaluation
    int max_dns_queries = 40;                   // hard cap on DNS queries per evaluation
};

// The SPF verdict for one client address.
struct SpfCheck {
    std::string address;   // client IP evaluated
    std::string identity;  // "mailfrom" or "helo"
    std::string domain;    // domain whose policy was evaluated
    std::string sender;    // the full identity (local@domain)
    Result result = Result::none;
    std::string reason;   // libspf2's explanation or our error
    int dns_queries = 0;  // DNS lookups the evaluation made
};

// Evaluates SPF for one client address, MAIL FROM (or HELO when SENDER is empty).
SpfCheck spf_check(const dns::Resolver& resolver, const std::string& address,
                   const std::string& sender, const std::string& helo,
                   const SpfConfig& config = {});

// Evaluates SPF against every configured egress address.
std::vector<SpfCheck> spf_evaluate(const dns::Resolver& resolver, const SpfConfig& config,
                                   const std::string& sender, const std::string& helo);

// The worst of several results (fail < softfail < neutral < errors < none < pass ranking).
Result spf_worst(const std::vector<SpfCheck>& checks);

}  // namespace mxpulse::auth
