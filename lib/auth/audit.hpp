// The DNS record audit behind `mxpulsectl check-domain`: SPF, DKIM and DMARC findings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"

namespace mxpulse::auth {

// How bad a finding is.
enum class Severity { ok, info, warning, error };

// Name of a severity ("ok", "info", "warning", "error").
std::string_view severity_name(Severity s);

// One finding of the audit.
struct Finding {
    std::string area;   // "spf", "dkim", "dmarc"
    std::string check;  // stable key, e.g. "spf.lookups"
    Severity severity = Severity::info;
    std::string message;
};

// What to audit. EXPECTED_INCLUDES holding spf.protection.outlook.com, or the domain's MX at
// Exchange Online, makes a missing Exchange Online include an error that says so.
struct AuditOptions {
    std::string domain;
    std::vector<std::string> egress;  // addresses that must pass SPF
    std::vector<std::string> selectors{"selector1", "selector2"};
    std::vector<std::string> expected_includes;  // e.g. spf.protection.outlook.com
    std::string psl_file;                        // empty = system list
};

// A selector's published record.
struct DkimKeyInfo {
    std::string selector;
    std::string name;
    std::string record;  // TXT text, empty when absent
    std::string cname;   // CNAME target when published as CNAME
    std::string key_type;
    unsigned key_bits = 0;
};

// The audit result.
struct AuditReport {
    std::string domain;
    std::vector<std::string> spf_records;
    int spf_lookups = 0;
    std::vector<std::string> spf_includes;
    std::vector<DkimKeyInfo> dkim;
    std::string dmarc_record;
    std::string dmarc_record_domain;
    std::vector<Finding> findings;
    std::vector<std::string> suggestions;  // zone-file lines
    bool nxdomain = false;                 // the domain itself does not exist
    // True when some finding is an error.
    bool has_errors() const;
};

// Counts the DNS-querying terms of an SPF record tree (RFC 7208 4.6.4), following include and
// redirect; INCLUDES collects the included domains. Bounded by depth and total lookups.
int spf_lookup_count(const dns::Resolver& resolver, std::string_view domain,
                     std::vector<std::string>& includes);

// Audits DOMAIN's SPF, DKIM and DMARC records.
AuditReport audit_domain(const dns::Resolver& resolver, const AuditOptions& options);

}  // namespace mxpulse::auth
