// `mxpulsectl check-domain`: runs the DNS audit and prints a table or JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "auth/audit.hpp"
#include "dns/resolver.hpp"
#include "dns/source.hpp"

namespace mxpulse::auth {

// Options of check-domain (CLI flags map one to one).
struct CheckDomainOptions {
    std::string domain;                          // DOMAIN
    std::vector<std::string> egress;             // --egress IP (repeatable)
    std::vector<std::string> selectors;          // --selector S (repeatable; default selector1/2)
    std::vector<std::string> expected_includes;  // --expect-include D (repeatable)
    bool json = false;                           // --json
    dns::ResolverConfig resolver;                // from the daemon config (nameservers, timeout)
    std::string psl_file;                        // from the daemon config; empty = system list
};

// One record looked up during the audit and what came back (dns::outcome_name).
struct Lookup {
    std::string name;
    std::string type;     // "TXT", "MX" ...
    std::string outcome;  // "ok", "nodata", "nxdomain", "timeout", "servfail", "refused" ...
    int rcode = 0;
};

// The audit, the resolver it asked and every lookup it made.
struct CheckDomainResult {
    AuditReport report;
    dns::ResolverSource resolver;
    long long timeout_ms = 0;
    std::vector<Lookup> lookups;
    int dns_failures = 0;  // lookups that got no answer (timeout, SERVFAIL, REFUSED ...)
};

// Exit code of check-domain when some lookup got no answer: sysexits EX_TEMPFAIL, since the
// same command may well succeed later. It wins over 1: the audit is incomplete.
constexpr int kCheckDomainDnsFailure = 75;

// Runs the audit; nullopt (and WHY) when the resolver cannot be built.
std::optional<CheckDomainResult> check_domain(const CheckDomainOptions& options, std::string& why);

// Renders an audit result as JSON.
std::string audit_report_json(const CheckDomainResult& result);
// Renders a bare audit report as JSON (no resolver, no lookups).
std::string audit_report_json(const AuditReport& report);

// Runs the audit; prints to OUT, errors to ERR. Returns 0 clean, 1 with error findings in
// answers that came, 75 (EX_TEMPFAIL) when a lookup got no answer, 2 when the audit could not
// run.
int run_check_domain(const CheckDomainOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mxpulse::auth
