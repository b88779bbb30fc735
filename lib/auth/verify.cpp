// Offline verification of whole messages: the entry point of `mxpulsectl verify` and of the
// DKIM corpus test, so that what the test measures is what an operator gets.
#include "auth/verify.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "auth/auth_results.hpp"
#include "util/strings.hpp"

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxMessageBytes = 64u << 20;  // a file bigger than this is refused

// LF line ends become CRLF; CRLF stays.
std::string to_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
        out += in[i];
    }
    return out;
}

// The first header named NAME, or empty.
std::string header_value(const Message& m, std::string_view name) {
    for (const auto& h : m.headers) {
        if (util::iequals(h.name, name)) return h.value;
    }
    return {};
}

// The DMARC alignment mode of identifier kind DKIM (else SPF) under the record, if any.
bool strict_mode(const DmarcVerdict& d, bool dkim) {
    if (!d.record) return false;
    return dkim ? d.record->strict_dkim : d.record->strict_spf;
}

// True when DOMAIN aligns with the From domain of V under the record's mode.
bool aligned(const Evaluator& ev, const Verdict& v, std::string_view domain, bool dkim) {
    if (domain.empty() || v.dmarc.from_domain.empty()) return false;
    return domains_aligned(domain, v.dmarc.from_domain, strict_mode(v.dmarc, dkim), ev.psl());
}

// One signature as JSON.
nlohmann::json signature_json(const Evaluator& ev, const Verdict& v, const DkimSignature& s) {
    nlohmann::json j = {{"d", s.domain},
                        {"s", s.selector},
                        {"a", s.algorithm},
                        {"key_bits", s.key_bits},
                        {"result", std::string(result_name(s.result))},
                        {"reason", s.error},
                        {"note", s.note}};
    if (s.kind == SignatureKind::dkim) j["aligned"] = aligned(ev, v, s.domain, true);
    return j;
}

// Opens and reads FILE ("-" = standard input), at most kMaxMessageBytes; false and ERROR.
bool read_file(const std::string& file, std::string& out, std::string& error) {
    std::ifstream f;
    std::istream* in = &std::cin;
    if (file != "-") {
        f.open(file, std::ios::binary);
        if (!f) {
            error = "cannot open " + file;
            return false;
        }
        in = &f;
    }
    char buf[65536];
    while (*in) {
        in->read(buf, sizeof buf);
        out.append(buf, static_cast<std::size_t>(in->gcount()));
        if (out.size() > kMaxMessageBytes) {
            error = file + " is larger than 64 MiB";
            return false;
        }
    }
    if (in->bad()) {
        error = "read error on " + file;
        return false;
    }
    return true;
}

}  // namespace

// Splits headers (continuation lines joined with CRLF, as the milter passes them) and body.
bool read_message(std::string_view raw, Message& out, std::string& error) {
    std::string crlf = to_crlf(raw);
    std::size_t pos = 0;
    bool ended = false;
    while (pos < crlf.size()) {
        std::size_t eol = crlf.find("\r\n", pos);
        if (eol == std::string::npos) eol = crlf.size();
        std::string_view line = std::string_view(crlf).substr(pos, eol - pos);
        pos = std::min(eol + 2, crlf.size());
        if (line.empty()) {
            ended = true;
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !out.headers.empty()) {
            out.headers.back().value += "\r\n";
            out.headers.back().value += line;
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            if (out.headers.empty() && line.rfind("From ", 0) == 0) continue;  // mbox line
            error = "not a header line: \"" + std::string(line.substr(0, 60)) + "\"";
            return false;
        }
        out.headers.push_back(
            {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    if (out.headers.empty()) {
        error = "no header";
        return false;
    }
    if (ended && pos < crlf.size()) out.body_chunks.push_back(crlf.substr(pos));
    return true;
}

// Reads, evaluates and formats one message.
VerifyReport verify_message(const Evaluator& evaluator, std::string_view raw,
                            const VerifyEnvelope& envelope, std::string source,
                            const std::vector<DkimSignature>* dkim) {
    VerifyReport r;
    r.source = std::move(source);
    Message m;
    if (!read_message(raw, m, r.error)) return r;
    r.message_id = std::string(util::trim(header_value(m, "Message-ID")));
    if (envelope.mail_from_given) {
        r.mail_from = std::string(util::strip_angles(envelope.mail_from));
        r.mail_from_source = "option";
    } else if (std::string rp = header_value(m, "Return-Path"); !rp.empty()) {
        r.mail_from = std::string(util::strip_angles(rp));
        r.mail_from_source = "return-path";
    } else {
        r.mail_from_source = "none";
    }
    r.helo = envelope.helo;
    m.envelope_sender = r.mail_from;
    m.helo = r.helo;
    r.verdict = dkim != nullptr ? evaluator.evaluate(m, *dkim) : evaluator.evaluate(m);
    r.authentication_results =
        "Authentication-Results:" +
        format_authentication_results(evaluator.config().authserv_id, r.verdict);
    for (const auto& h : m.headers) {
        if (util::iequals(h.name, "Authentication-Results") && r.received.size() < 16)
            r.received.push_back(parse_authentication_results(h.value));
    }
    return r;
}

// The JSON document: {"messages": [...]}, one object per report.
std::string verify_reports_json(const Evaluator& ev, const std::vector<VerifyReport>& reports) {
    nlohmann::json doc = {{"messages", nlohmann::json::array()}};
    for (const auto& r : reports) {
        nlohmann::json j = {{"source", r.source}};
        if (!r.error.empty()) {
            j["error"] = r.error;
            doc["messages"].push_back(std::move(j));
            continue;
        }
        const Verdict& v = r.verdict;
        j["error"] = nullptr;
        j["message_id"] = r.message_id;
        j["envelope"] = {
            {"mail_from", r.mail_from}, {"mail_from_source", r.mail_from_source}, {"helo", r.helo}};
        nlohmann::json checks = nlohmann::json::array();
        for (const auto& c : v.spf) {
            checks.push_back({{"egress", c.address},
                              {"identity", c.identity},
                              {"domain", c.domain},
                              {"result", std::string(result_name(c.result))},
                              {"reason", c.reason},
                              {"dns_queries", c.dns_queries}});
        }
        j["spf"] = {{"result", std::string(result_name(v.spf_result))},
                    {"domain", v.spf_domain},
                    {"checks", checks}};
        nlohmann::json dkim = nlohmann::json::array(), dk = nlohmann::json::array();
        for (const auto& s : v.dkim)
            (s.kind == SignatureKind::dkim ? dkim : dk).push_back(signature_json(ev, v, s));
        j["dkim"] = {{"result", std::string(result_name(v.dkim_result))}, {"signatures", dkim}};
        j["domainkeys"] = {
            {"result",
             std::string(result_name(signatures_overall(v.dkim, SignatureKind::domainkeys)))},
            {"signatures", dk}};
        const DmarcVerdict& d = v.dmarc;
        nlohmann::json dkim_ids = nlohmann::json::array();
        for (const auto& s : v.dkim) {
            if (s.kind != SignatureKind::dkim) continue;
            dkim_ids.push_back({{"domain", s.domain},
                                {"result", std::string(result_name(s.result))},
                                {"aligned", aligned(ev, v, s.domain, true)}});
        }
        j["dmarc"] = {
            {"result", std::string(result_name(d.result))},
            {"from_domain", d.from_domain},
            {"org_domain", d.org_domain},
            {"record_domain", d.record_domain},
            {"policy", d.record ? nlohmann::json(std::string(policy_name(d.policy))) : nullptr},
            {"reason", d.reason},
            {"ignored_uris",
             d.record ? nlohmann::json(d.record->ignored_uris) : nlohmann::json::array()},
            {"alignment",
             {{"dkim_mode", strict_mode(d, true) ? "strict" : "relaxed"},
              {"spf_mode", strict_mode(d, false) ? "strict" : "relaxed"},
              {"spf",
               {{"domain", v.spf_domain},
                {"result", std::string(result_name(v.spf_result))},
                {"aligned", d.spf_aligned}}},
              {"dkim", dkim_ids}}}};
        j["authentication_results"] = r.authentication_results;
        nlohmann::json received = nlohmann::json::array();
        for (const auto& p : r.received) {
            nlohmann::json results = nlohmann::json::array();
            for (const auto& e : p.results) {
                nlohmann::json props = nlohmann::json::object();
                for (const auto& [k, val] : e.properties)
                    props[k] = val;
                results.push_back({{"method", e.method},
                                   {"result", e.result},
                                   {"reason", e.reason},
                                   {"properties", props}});
            }
            received.push_back(
                {{"authserv_id", p.authserv_id},
                 {"results", results},
                 {"error", p.error.empty() ? nlohmann::json() : nlohmann::json(p.error)}});
        }
        j["received_authentication_results"] = received;
        doc["messages"].push_back(std::move(j));
    }
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The report as text.
void print_verify_report(const Evaluator& ev, const VerifyReport& r, std::ostream& out) {
    out << "Message: " << r.source << "\n";
    if (!r.error.empty()) {
        out << "  error: " << r.error << "\n";
        return;
    }
    const Verdict& v = r.verdict;
    if (!r.message_id.empty()) out << "  Message-ID: " << r.message_id << "\n";
    out << "  Envelope: MAIL FROM <" << r.mail_from << "> (" << r.mail_from_source << "), HELO "
        << (r.helo.empty() ? "(none)" : r.helo) << "\n";
    out << "SPF: " << result_name(v.spf_result) << "\n";
    if (v.spf.empty()) out << "  no egress address (--egress or auth.egress_addresses)\n";
    for (const auto& c : v.spf) {
        out << "  egress " << c.address << "  " << c.identity << " " << c.domain << "  "
            << result_name(c.result) << (c.reason.empty() ? "" : "  (" + c.reason + ")") << "\n";
    }
    for (SignatureKind kind : {SignatureKind::dkim, SignatureKind::domainkeys}) {
        bool any = false;
        for (const auto& s : v.dkim)
            any |= s.kind == kind;
        if (kind == SignatureKind::domainkeys && !any) continue;
        out << (kind == SignatureKind::dkim ? "DKIM: " : "DomainKeys (RFC 4870, reported apart): ")
            << result_name(signatures_overall(v.dkim, kind)) << "\n";
        if (!any) out << "  no signature\n";
        for (const auto& s : v.dkim) {
            if (s.kind != kind) continue;
            out << "  d=" << s.domain << " s=" << s.selector << " a=" << s.algorithm
                << " key=" << (s.key_bits ? std::to_string(s.key_bits) + " bits" : std::string("-"))
                << "  " << result_name(s.result);
            if (!s.error.empty()) out << "  (" << s.error << ")";
            if (!s.note.empty()) out << "  [" << s.note << "]";
            if (kind == SignatureKind::dkim)
                out << (aligned(ev, v, s.domain, true) ? "  aligned" : "  not aligned");
            out << "\n";
        }
    }
    const DmarcVerdict& d = v.dmarc;
    out << "DMARC: " << result_name(d.result);
    if (d.record) out << "  p=" << policy_name(d.policy) << " (_dmarc." << d.record_domain << ")";
    out << "\n  From domain " << (d.from_domain.empty() ? "(none)" : d.from_domain)
        << ", organisational domain " << (d.org_domain.empty() ? "(none)" : d.org_domain) << "\n";
    if (!d.reason.empty()) out << "  " << d.reason << "\n";
    out << "  SPF identifier " << (v.spf_domain.empty() ? "(none)" : v.spf_domain) << " "
        << result_name(v.spf_result) << ", " << (d.spf_aligned ? "aligned" : "not aligned") << " ("
        << (strict_mode(d, false) ? "strict" : "relaxed") << ")\n";
    for (const auto& s : v.dkim) {
        if (s.kind != SignatureKind::dkim) continue;
        out << "  DKIM identifier " << s.domain << " " << result_name(s.result) << ", "
            << (aligned(ev, v, s.domain, true) ? "aligned" : "not aligned") << " ("
            << (strict_mode(d, true) ? "strict" : "relaxed") << ")\n";
    }
    if (d.record) {
        for (const auto& u : d.record->ignored_uris)
            out << "  ignored report URI " << u << "\n";
    }
    out << r.authentication_results << "\n";
    for (const auto& p : r.received) {
        out << "Already on the message: Authentication-Results from " << p.authserv_id << ":";
        for (const auto& e : p.results)
            out << " " << e.method << "=" << e.result;
        if (!p.error.empty()) out << " (unreadable: " << p.error << ")";
        out << "\n";
    }
}

// Builds the resolver and evaluator once, then verifies each file in turn.
int run_verify(const VerifyCommandOptions& o, std::ostream& out, std::ostream& err) {
    if (o.files.empty()) {
        err << "verify: FILE... or - is required\n";
        return 2;
    }
    std::string why;
    auto resolver = dns::Resolver::create(o.resolver, why);
    if (!resolver) {
        err << "verify: resolver: " << why << "\n";
        return 2;
    }
    auto evaluator = Evaluator::create(*resolver, o.auth, why);
    if (!evaluator) {
        err << "verify: " << why << "\n";
        return 2;
    }
    int rc = 0;
    std::vector<VerifyReport> reports;
    for (const auto& file : o.files) {
        std::string raw, error;
        VerifyReport r;
        if (!read_file(file, raw, error)) {
            r.source = file;
            r.error = error;
        } else {
            r = verify_message(*evaluator, raw, o.envelope, file);
        }
        if (!r.error.empty()) {
            err << "verify: " << file << ": " << r.error << "\n";
            rc = 2;
        }
        if (!o.json) {
            if (!reports.empty()) out << "\n";
            print_verify_report(*evaluator, r, out);
        }
        reports.push_back(std::move(r));
    }
    if (o.json) out << verify_reports_json(*evaluator, reports) << "\n";
    return rc;
}

}  // namespace mxpulse::auth
