// `mxpulsectl check-domain`: runs the DNS audit and prints a table or JSON.
#include "auth/check_domain.hpp"

#include <iomanip>
#include <nlohmann/json.hpp>

namespace mxpulse::auth {

// Renders an audit report as JSON.
std::string audit_report_json(const AuditReport& r) {
    nlohmann::json j;
    j["domain"] = r.domain;
    j["spf"] = {
        {"records", r.spf_records}, {"lookups", r.spf_lookups}, {"includes", r.spf_includes}};
    j["dkim"] = nlohmann::json::array();
    for (const auto& k : r.dkim) {
        j["dkim"].push_back({{"selector", k.selector},
                             {"name", k.name},
                             {"record", k.record},
                             {"cname", k.cname},
                             {"key_type", k.key_type},
                             {"key_bits", k.key_bits}});
    }
    j["dmarc"] = {{"record", r.dmarc_record}, {"record_domain", r.dmarc_record_domain}};
    j["findings"] = nlohmann::json::array();
    for (const auto& f : r.findings) {
        j["findings"].push_back({{"area", f.area},
                                 {"check", f.check},
                                 {"severity", std::string(severity_name(f.severity))},
                                 {"message", f.message}});
    }
    j["suggestions"] = r.suggestions;
    j["errors"] = r.has_errors();
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Runs the audit and prints it.
int run_check_domain(const CheckDomainOptions& options, std::ostream& out, std::ostream& err) {
    if (options.domain.empty()) {
        err << "check-domain: a DOMAIN is required\n";
        return 2;
    }
    std::string why;
    auto resolver = dns::Resolver::create(options.resolver, why);
    if (!resolver) {
        err << "check-domain: resolver: " << why << "\n";
        return 2;
    }
    AuditOptions ao;
    ao.domain = options.domain;
    ao.egress = options.egress;
    if (!options.selectors.empty()) ao.selectors = options.selectors;
    ao.expected_includes = options.expected_includes;
    ao.psl_file = options.psl_file;
    AuditReport r = audit_domain(*resolver, ao);
    if (options.json) {
        out << audit_report_json(r) << "\n";
        return r.has_errors() ? 1 : 0;
    }
    out << "Domain: " << r.domain << "\n\nRecords\n";
    for (const auto& s : r.spf_records)
        out << "  SPF    " << r.domain << "  \"" << s << "\"\n";
    for (const auto& k : r.dkim) {
        if (!k.record.empty()) out << "  DKIM   " << k.name << "  \"" << k.record << "\"\n";
    }
    if (!r.dmarc_record.empty()) {
        out << "  DMARC  _dmarc." << r.dmarc_record_domain << "  \"" << r.dmarc_record << "\"\n";
    }
    out << "\nFindings\n";
    for (const auto& f : r.findings) {
        out << "  " << std::left << std::setw(8) << severity_name(f.severity) << std::setw(16)
            << f.check << f.message << "\n";
    }
    if (!r.suggestions.empty()) {
        out << "\nSuggested zone lines\n";
        for (const auto& s : r.suggestions)
            out << "  " << s << "\n";
    }
    return r.has_errors() ? 1 : 0;
}

}  // namespace mxpulse::auth
