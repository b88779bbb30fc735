// The DNS record audit behind `mxpulsectl check-domain`: SPF, DKIM and DMARC findings.
#include "auth/audit.hpp"

#include <algorithm>
#include <future>
#include <sstream>
#include <system_error>

#include "auth/dkim_key.hpp"
#include "auth/dmarc.hpp"
#include "auth/spf.hpp"
#include "auth/spf_record.hpp"
#include "util/strings.hpp"
#include "util/tag_list.hpp"

namespace mxpulse::auth {

namespace {

constexpr int kMaxDepth = 10;
constexpr int kMaxWalk = 50;

// Exchange Online's SPF include: mail Microsoft 365 sends for a domain passes SPF only through it.
constexpr std::string_view kExchangeOnlineInclude = "spf.protection.outlook.com";
// Microsoft 365 domains publish their MX under this suffix.
constexpr std::string_view kExchangeOnlineMx = ".mail.protection.outlook.com";

// "DNS failure looking up TXT at NAME: servfail" (what came back, or that nothing did).
std::string dns_failure(std::string_view type, std::string_view name, const dns::Answer& a) {
    return "DNS failure looking up " + std::string(type) + " at " + std::string(name) + ": " +
           dns::outcome_name(a);
}

// The TXT records of NAME that start with v=spf1; ANSWER gets the whole answer when given.
std::vector<std::string> spf_records(const dns::Resolver& r, std::string_view name,
                                     dns::Answer* answer = nullptr) {
    dns::Answer a = r.query(name, dns::RrType::txt);
    if (answer != nullptr) *answer = a;
    std::vector<std::string> out;
    for (const auto& t : a.texts) {
        std::string l = util::to_lower(t);
        if (l == "v=spf1" || l.rfind("v=spf1 ", 0) == 0) out.push_back(t);
    }
    return out;
}

// Splits an SPF record into its terms.
std::vector<std::string> terms(std::string_view rec) {
    std::vector<std::string> out;
    std::istringstream in{std::string(rec)};
    std::string t;
    in >> t;  // v=spf1
    while (in >> t)
        out.push_back(t);
    return out;
}

// Walks one record; adds to COUNT and INCLUDES, and the names whose lookup failed (SERVFAIL,
// timeout) to FAILED when given.
void walk(const dns::Resolver& r, std::string_view domain, int depth, int& count, int& walked,
          std::vector<std::string>& includes, std::vector<std::string>* failed = nullptr) {
    if (depth > kMaxDepth || ++walked > kMaxWalk) return;
    dns::Answer a;
    auto recs = spf_records(r, domain, &a);
    if (dns::no_answer(a) && failed != nullptr) {
        failed->push_back(std::string(domain) + " (" + dns::outcome_name(a) + ")");
    }
    if (recs.size() != 1) return;
    for (const auto& term : terms(recs.front())) {
        std::string t = util::to_lower(term);
        if (!t.empty() && std::string_view("+-~?").find(t[0]) != std::string_view::npos) {
            t.erase(0, 1);
        }
        auto target_of = [&](std::size_t prefix) { return t.substr(prefix); };
        if (t.rfind("include:", 0) == 0) {
            ++count;
            std::string target = target_of(8);
            includes.push_back(target);
            walk(r, target, depth + 1, count, walked, includes, failed);
        } else if (t.rfind("redirect=", 0) == 0) {
            ++count;
            walk(r, target_of(9), depth + 1, count, walked, includes, failed);
        } else if (t == "a" || t.rfind("a:", 0) == 0 || t.rfind("a/", 0) == 0 || t == "mx" ||
                   t.rfind("mx:", 0) == 0 || t.rfind("mx/", 0) == 0 || t == "ptr" ||
                   t.rfind("ptr:", 0) == 0 || t.rfind("exists:", 0) == 0) {
            ++count;
        }
    }
}

// Adds a finding.
void add(AuditReport& rep, std::string area, std::string check, Severity sev, std::string msg) {
    rep.findings.push_back({std::move(area), std::move(check), sev, std::move(msg)});
}

// The record to publish where none is: the egress addresses and expected includes, if any.
void suggest_spf(const AuditOptions& o, AuditReport& rep) {
    std::string mech;
    for (const auto& ip : o.egress) {
        mech += (ip.find(':') == std::string::npos ? " ip4:" : " ip6:") + ip;
    }
    for (const auto& inc : o.expected_includes)
        mech += " include:" + inc;
    // "v=spf1 -all" would fail every message the domain sends: no mechanism, no suggestion.
    if (!mech.empty()) rep.suggestions.push_back(o.domain + ". IN TXT \"v=spf1" + mech + " -all\"");
}

// The includes the record should have; COMPLETE is false when part of the tree did not resolve
// (an include missing from what did resolve may sit in what did not).
void audit_includes(const AuditOptions& o, AuditReport& rep, bool complete) {
    for (const auto& inc : o.expected_includes) {
        bool found = std::find(rep.spf_includes.begin(), rep.spf_includes.end(),
                               util::to_lower(inc)) != rep.spf_includes.end();
        bool exo = util::to_lower(inc) == kExchangeOnlineInclude;
        std::string msg = "include:" + inc + (found ? " present" : " missing");
        if (!found && exo) {
            msg += ": Exchange Online's egress is not covered, so mail Microsoft 365 sends for " +
                   o.domain + " fails SPF at the receiver";
        }
        if (!found && !complete) msg += " from the part of the record that resolved";
        add(rep, "spf", "spf.include", found ? Severity::ok : Severity::error, msg);
    }
}

// The SPF part of the audit.
void audit_spf(const dns::Resolver& r, const AuditOptions& o, AuditReport& rep) {
    dns::Answer a;
    rep.spf_records = spf_records(r, o.domain, &a);
    std::string d = o.domain;
    if (dns::no_answer(a)) {
        // A failed lookup says nothing about the record: never report it as absent.
        add(rep, "spf", "spf.dns", Severity::error,
            dns_failure("TXT", d, a) + ": SPF could not be audited; receivers return temperror");
        return;
    }
    if (a.status == dns::Status::nxdomain) {
        rep.nxdomain = true;
        add(rep, "spf", "spf.present", Severity::error,
            d + " does not exist (NXDOMAIN): no record can be checked or published under it");
        return;
    }
    if (rep.spf_records.empty()) {
        add(rep, "spf", "spf.present", Severity::error, "no SPF record at " + d);
        suggest_spf(o, rep);
        return;
    }
    add(rep, "spf", "spf.present", Severity::ok, "SPF record published");
    if (rep.spf_records.size() > 1) {
        add(rep, "spf", "spf.single", Severity::error,
            std::to_string(rep.spf_records.size()) +
                " SPF records: receivers return permerror; merge them into one");
        return;
    }
    add(rep, "spf", "spf.single", Severity::ok, "exactly one SPF record");
    if (auto bad = spf_syntax_error(rep.spf_records.front())) {
        add(rep, "spf", "spf.syntax", Severity::error, "syntax error (permerror): " + *bad);
    } else {
        add(rep, "spf", "spf.syntax", Severity::ok, "record syntax valid (RFC 7208)");
    }
    int walked = 0;
    std::vector<std::string> failed;
    walk(r, d, 0, rep.spf_lookups, walked, rep.spf_includes, &failed);
    for (const auto& name : failed) {
        add(rep, "spf", "spf.dns", Severity::error,
            "DNS failure looking up TXT at " + name +
                ", included: receivers return temperror; the lookup count is incomplete");
    }
    add(rep, "spf", "spf.lookups", rep.spf_lookups > 10 ? Severity::error : Severity::ok,
        std::to_string(rep.spf_lookups) + " DNS-querying terms (limit 10)" +
            (failed.empty() ? "" : ", not counting what failed to resolve"));
    std::string all;
    for (const auto& t : terms(rep.spf_records.front())) {
        std::string l = util::to_lower(t);
        if (l == "all" || (l.size() == 4 && l.substr(1) == "all")) all = l;
    }
    if (all.empty()) {
        add(rep, "spf", "spf.all", Severity::warning,
            "no 'all' term: unmatched senders get neutral; end with -all");
    } else if (all == "-all") {
        add(rep, "spf", "spf.all", Severity::ok, "ends with -all");
    } else {
        add(rep, "spf", "spf.all", all == "~all" ? Severity::warning : Severity::error,
            "ends with " + all + " rather than -all");
        std::string fixed = rep.spf_records.front();
        auto pos = util::to_lower(fixed).rfind(all);
        if (pos != std::string::npos) fixed.replace(pos, all.size(), "-all");
        rep.suggestions.push_back(d + ". IN TXT \"" + fixed + "\"");
    }
    for (const auto& ip : o.egress) {
        auto c = spf_check(r, ip, "postmaster@" + d, d);
        add(rep, "spf", "spf.egress", c.result == Result::pass ? Severity::ok : Severity::error,
            "egress " + ip + ": " + std::string(result_name(c.result)));
    }
    audit_includes(o, rep, failed.empty());
}

// The DKIM part of the audit.
void audit_dkim(const dns::Resolver& r, const AuditOptions& o, AuditReport& rep) {
    for (const auto& sel : o.selectors) {
        DkimKeyInfo k;
        k.selector = sel;
        k.name = sel + "._domainkey." + o.domain;
        dns::Answer c = r.query(k.name, dns::RrType::cname);
        if (c.status == dns::Status::ok && !c.names.empty()) k.cname = c.names.front();
        dns::Answer t = r.query(k.name, dns::RrType::txt);
        if (dns::no_answer(t)) {
            add(rep, "dkim", "dkim.dns", Severity::error,
                dns_failure("TXT", k.name, t) + ": selector " + sel + " could not be checked");
        } else if (t.texts.empty()) {
            add(rep, "dkim", "dkim.selector", Severity::error,
                "selector " + sel + " not published at " + k.name);
        } else {
            k.record = t.texts.front();
            util::TagList tags = util::parse_tag_list(k.record);
            const util::Tag* kt = tags.find("k");
            k.key_type = kt == nullptr ? "rsa" : util::to_lower(kt->value);
            const util::Tag* pt = tags.find("p");
            std::string p = pt == nullptr ? "" : util::strip_fws(pt->value);
            if (!tags.ok()) {
                add(rep, "dkim", "dkim.selector", Severity::error,
                    "selector " + sel + ": key record is not a valid tag-list (" + tags.error +
                        "); receivers return permerror");
            } else if (pt == nullptr || p.empty()) {
                add(rep, "dkim", "dkim.selector", Severity::error,
                    "selector " + sel + " has no key (p= empty: revoked)");
            } else if (k.key_type != "rsa" && k.key_type != "ed25519") {
                add(rep, "dkim", "dkim.selector", Severity::error,
                    "selector " + sel + " has key type k=" + k.key_type +
                        ", which receivers do not know (permerror); use rsa or ed25519");
            } else if (auto key = read_public_key(p, k.key_type); !key) {
                add(rep, "dkim", "dkim.selector", Severity::error,
                    "selector " + sel + ": p= holds no valid " + k.key_type +
                        " public key; receivers return permerror");
            } else {
                k.key_bits = key->bits;
                Severity sev = Severity::ok;
                if (k.key_type == "rsa" && k.key_bits < 1024)
                    sev = Severity::error;
                else if (k.key_type == "rsa" && k.key_bits < 2048)
                    sev = Severity::warning;
                add(rep, "dkim", "dkim.selector", sev,
                    "selector " + sel + " published" +
                        (k.cname.empty() ? " as TXT" : " as CNAME to " + k.cname) + ", " +
                        k.key_type + " " + std::to_string(k.key_bits) + " bits");
                std::string hashes = util::to_lower(tags.get("h"));
                if (!hashes.empty() && hashes.find("sha256") == std::string::npos) {
                    add(rep, "dkim", "dkim.rsa_sha1", Severity::error,
                        "selector " + sel + " allows only h=" + hashes +
                            ": rsa-sha1 signatures, which RFC 8301 3.1 says MUST NOT be used "
                            "for signing or verifying; receivers that follow it fail them");
                }
                if (key->bare_rsa) {
                    add(rep, "dkim", "dkim.key_format", Severity::warning,
                        "selector " + sel +
                            " publishes a bare RSAPublicKey: RFC 6376 allows it, but OpenDKIM "
                            "and other verifiers reading only SubjectPublicKeyInfo fail it; "
                            "republish p= as SubjectPublicKeyInfo (openssl rsa -pubout)");
                }
            }
        }
        rep.dkim.push_back(std::move(k));
    }
}

// The DMARC part of the audit.
void audit_dmarc(const dns::Resolver& r, const AuditOptions& o, AuditReport& rep) {
    std::string err;
    auto psl = PublicSuffixList::load(o.psl_file, err);
    if (!psl) {
        add(rep, "dmarc", "dmarc.psl", Severity::error, err);
        return;
    }
    DmarcVerdict v = dmarc_discover(r, *psl, o.domain);
    std::string d = o.domain;
    if (v.result == Result::temperror) {
        add(rep, "dmarc", "dmarc.dns", Severity::error, v.reason + ": DMARC could not be audited");
        return;
    }
    if (v.record_domain.empty()) {
        add(rep, "dmarc", "dmarc.present", Severity::error, "no DMARC record at _dmarc." + d);
        rep.suggestions.push_back("_dmarc." + d + ". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@" +
                                  d + "\"");
        return;
    }
    dns::Answer a = r.query("_dmarc." + v.record_domain, dns::RrType::txt);
    for (const auto& t : a.texts) {
        if (looks_like_dmarc(t)) rep.dmarc_record = t;
    }
    rep.dmarc_record_domain = v.record_domain;
    add(rep, "dmarc", "dmarc.present", Severity::ok, "DMARC record at _dmarc." + v.record_domain);
    if (!v.record) {
        add(rep, "dmarc", "dmarc.syntax", Severity::error, v.reason);
        return;
    }
    add(rep, "dmarc", "dmarc.syntax", Severity::ok, "record parses");
    const DmarcRecord& rec = *v.record;
    switch (v.policy) {
        case Policy::none:
            add(rep, "dmarc", "dmarc.policy", Severity::warning,
                "policy p=none: monitoring only; move to quarantine, then reject");
            rep.suggestions.push_back(
                "_dmarc." + v.record_domain + ". IN TXT \"v=DMARC1; p=quarantine" +
                (rec.rua.empty() ? "" : "; rua=mailto:" + rec.rua[0].address) + "\"");
            break;
        case Policy::quarantine:
            add(rep, "dmarc", "dmarc.policy", Severity::info,
                "policy quarantine; reject is the final stage");
            break;
        case Policy::reject:
            add(rep, "dmarc", "dmarc.policy", Severity::ok, "policy reject");
            break;
    }
    if (rec.pct < 100) {
        add(rep, "dmarc", "dmarc.pct", Severity::warning,
            "pct=" + std::to_string(rec.pct) + ": policy applies to part of the mail only");
    }
    add(rep, "dmarc", "dmarc.rua", rec.rua.empty() ? Severity::warning : Severity::ok,
        rec.rua.empty() ? "no rua: no aggregate reports" : "rua=mailto:" + rec.rua[0].address);
    for (const auto& ignored : rec.ignored_uris) {
        add(rep, "dmarc", "dmarc.uri", Severity::warning,
            ignored + ": receivers ignore this URI (RFC 7489 6.3); the policy stands");
    }
    add(rep, "dmarc", "dmarc.alignment", Severity::info,
        std::string("adkim=") + (rec.strict_dkim ? "s" : "r") +
            " aspf=" + (rec.strict_spf ? "s" : "r"));
}

}  // namespace

// Name of a severity.
std::string_view severity_name(Severity s) {
    switch (s) {
        case Severity::ok:
            return "ok";
        case Severity::info:
            return "info";
        case Severity::warning:
            return "warning";
        case Severity::error:
            return "error";
    }
    return "info";
}

// True when some finding is an error.
bool AuditReport::has_errors() const {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::error; });
}

// Counts DNS-querying terms of an SPF tree.
int spf_lookup_count(const dns::Resolver& resolver, std::string_view domain,
                     std::vector<std::string>& includes) {
    int count = 0, walked = 0;
    walk(resolver, domain, 0, count, walked, includes);
    return count;
}

// A domain whose MX is Exchange Online sends through Microsoft's pool: its SPF record must
// include Exchange Online's even when nobody configured that expectation.
void expect_exchange_online(const dns::Resolver& r, AuditOptions& o, AuditReport& rep) {
    dns::Answer mx = r.query(o.domain, dns::RrType::mx);
    for (const auto& m : mx.mx) {
        std::string host = util::to_lower(m.host);
        if (host.size() <= kExchangeOnlineMx.size() ||
            host.compare(host.size() - kExchangeOnlineMx.size(), std::string::npos,
                         kExchangeOnlineMx) != 0) {
            continue;
        }
        add(rep, "spf", "spf.exchange_online", Severity::info,
            "MX " + m.host + " is Exchange Online: the SPF record must include " +
                std::string(kExchangeOnlineInclude));
        for (const auto& inc : o.expected_includes) {
            if (util::to_lower(inc) == kExchangeOnlineInclude) return;
        }
        o.expected_includes.emplace_back(kExchangeOnlineInclude);
        return;
    }
}

// Audits a domain.
AuditReport audit_domain(const dns::Resolver& resolver, const AuditOptions& options) {
    AuditOptions o = options;
    o.domain = normalize_domain(o.domain);
    // The three areas look up different names: asked at once, a resolver that has stopped
    // answering costs the longest chain of timeouts rather than the sum of all three.
    AuditReport rep, dkim, dmarc;
    rep.domain = o.domain;
    std::future<void> dkim_done, dmarc_done;
    try {
        dkim_done = std::async(std::launch::async, [&] { audit_dkim(resolver, o, dkim); });
        dmarc_done = std::async(std::launch::async, [&] { audit_dmarc(resolver, o, dmarc); });
    } catch (const std::system_error&) {
        // No thread to be had: the rest runs here, one after the other.
    }
    // Changes only o.expected_includes, which the DKIM and DMARC parts never read.
    expect_exchange_online(resolver, o, rep);
    audit_spf(resolver, o, rep);
    if (dkim_done.valid())
        dkim_done.get();
    else
        audit_dkim(resolver, o, dkim);
    if (dmarc_done.valid())
        dmarc_done.get();
    else
        audit_dmarc(resolver, o, dmarc);
    // Findings and suggestions in the fixed order SPF, DKIM, DMARC.
    rep.dkim = std::move(dkim.dkim);
    rep.dmarc_record = std::move(dmarc.dmarc_record);
    rep.dmarc_record_domain = std::move(dmarc.dmarc_record_domain);
    for (AuditReport* part : {&dkim, &dmarc}) {
        for (auto& f : part->findings)
            rep.findings.push_back(std::move(f));
        // No zone line for a name that does not exist: the domain itself is the problem.
        for (auto& l : part->suggestions) {
            if (!rep.nxdomain) rep.suggestions.push_back(std::move(l));
        }
    }
    return rep;
}

}  // namespace mxpulse::auth
