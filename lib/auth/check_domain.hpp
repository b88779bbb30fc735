// `mxpulsectl check-domain`: runs the DNS audit and prints a table or JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "auth/audit.hpp"
#include "dns/resolver.hpp"

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

// Renders an audit report as JSON.
std::string audit_report_json(const AuditReport& report);

// Runs the audit; prints to OUT, errors to ERR. Returns 0 clean, 1 with error findings,
// 2 when the audit could not run.
int run_check_domain(const CheckDomainOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mxpulse::auth
