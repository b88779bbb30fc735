// `mxpulsectl check-domain`: runs the DNS audit and prints a table or JSON.
#include "auth/check_domain.hpp"

#include <algorithm>
#include <iomanip>
#include <mutex>
#include <nlohmann/json.hpp>

#include "dns/source.hpp"

namespace mxpulse::auth {

namespace {

// Every distinct lookup of one audit, in the order asked (the audit asks from several threads).
class LookupLog {
  public:
    // Records one answer (the resolver's on_answer observer).
    void note(std::string_view name, std::uint16_t type, const dns::Answer& a) {
        Lookup l{std::string(name), dns::type_name(type), dns::outcome_name(a), a.rcode};
        if (!l.name.empty() && l.name.back() == '.') l.name.pop_back();
        std::lock_guard lock(mu_);
        auto same = [&](const Lookup& x) {
            return x.name == l.name && x.type == l.type && x.outcome == l.outcome;
        };
        if (std::none_of(lookups_.begin(), lookups_.end(), same)) lookups_.push_back(std::move(l));
    }
    // The lookups so far.
    std::vector<Lookup> take() {
        std::lock_guard lock(mu_);
        return lookups_;
    }

  private:
    std::mutex mu_;
    std::vector<Lookup> lookups_;
};

// The exit code of a finished audit.
int exit_code(const CheckDomainResult& r) {
    if (r.dns_failures > 0) return kCheckDomainDnsFailure;
    return r.report.has_errors() ? 1 : 0;
}

// Prints the report as a table for people.
void print_table(const CheckDomainResult& res, std::ostream& out) {
    const AuditReport& r = res.report;
    out << "Domain:   " << r.domain << "\nResolver: " << dns::source_line(res.resolver)
        << ", timeout " << res.timeout_ms << " ms\n\nRecords\n";
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
    out << "\nLookups\n";
    for (const auto& l : res.lookups) {
        out << "  " << std::left << std::setw(6) << l.type << std::setw(10) << l.outcome << l.name
            << "\n";
    }
    if (res.dns_failures > 0) {
        out << "\n"
            << res.dns_failures
            << " lookup(s) got no answer: the findings above are incomplete, and no record is "
               "suggested from them\n";
    }
    if (!r.suggestions.empty()) {
        out << "\nSuggested zone lines\n";
        for (const auto& s : r.suggestions)
            out << "  " << s << "\n";
    }
}

}  // namespace

// Renders an audit report as JSON.
std::string audit_report_json(const CheckDomainResult& res) {
    const AuditReport& r = res.report;
    nlohmann::json j;
    j["domain"] = r.domain;
    j["resolver"] = {{"origin", res.resolver.origin},
                     {"file", res.resolver.file},
                     {"addresses", res.resolver.addresses},
                     {"note", res.resolver.note},
                     {"timeout_ms", res.timeout_ms}};
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
    j["lookups"] = nlohmann::json::array();
    for (const auto& l : res.lookups) {
        j["lookups"].push_back(
            {{"name", l.name}, {"type", l.type}, {"outcome", l.outcome}, {"rcode", l.rcode}});
    }
    j["dns_failures"] = res.dns_failures;
    j["suggestions"] = r.suggestions;
    j["errors"] = r.has_errors();
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Renders a bare audit report as JSON.
std::string audit_report_json(const AuditReport& report) {
    CheckDomainResult res;
    res.report = report;
    return audit_report_json(res);
}

// Runs the audit, recording every lookup and its outcome.
std::optional<CheckDomainResult> check_domain(const CheckDomainOptions& options, std::string& why) {
    auto log = std::make_shared<LookupLog>();
    dns::ResolverConfig rc = options.resolver;
    rc.on_answer = [log](std::string_view name, std::uint16_t type, const dns::Answer& a) {
        log->note(name, type, a);
    };
    auto resolver = dns::Resolver::create(rc, why);
    if (!resolver) return std::nullopt;
    AuditOptions ao;
    ao.domain = options.domain;
    ao.egress = options.egress;
    if (!options.selectors.empty()) ao.selectors = options.selectors;
    ao.expected_includes = options.expected_includes;
    ao.psl_file = options.psl_file;
    CheckDomainResult res;
    res.report = audit_domain(*resolver, ao);
    resolver.reset();  // no lookup runs past this point
    res.resolver = dns::describe_source(options.resolver);
    res.timeout_ms = options.resolver.timeout.count();
    res.lookups = log->take();
    for (const auto& l : res.lookups) {
        if (l.outcome != "ok" && l.outcome != "nodata" && l.outcome != "nxdomain" &&
            l.outcome != "invalid") {
            ++res.dns_failures;
        }
    }
    if (res.dns_failures > 0) res.report.suggestions.clear();
    return res;
}

// Runs the audit and prints it.
int run_check_domain(const CheckDomainOptions& options, std::ostream& out, std::ostream& err) {
    if (options.domain.empty()) {
        err << "check-domain: a DOMAIN is required\n";
        return 2;
    }
    std::string why;
    auto res = check_domain(options, why);
    if (!res) {
        err << "check-domain: resolver: " << why << "\n";
        return 2;
    }
    if (options.json) {
        out << audit_report_json(*res) << "\n";
    } else {
        print_table(*res, out);
    }
    return exit_code(*res);
}

}  // namespace mxpulse::auth
