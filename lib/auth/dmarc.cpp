// DMARC (RFC 7489) evaluation: From domain, record discovery, identifier alignment, policy.
#include "auth/dmarc.hpp"

#include "util/strings.hpp"

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxFromAddresses = 32;

// True for characters allowed in a domain as written in an address.
bool domain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// Looks up the DMARC record at _dmarc.NAME; sets TEMP on a transient failure.
std::optional<DmarcParse> lookup_record(const dns::Resolver& resolver, const std::string& name,
                                        bool& temp) {
    dns::Answer a = resolver.query("_dmarc." + name, dns::RrType::txt);
    if (a.status == dns::Status::temperror) {
        temp = true;
        return std::nullopt;
    }
    std::vector<std::string> found;
    for (const auto& t : a.texts) {
        if (looks_like_dmarc(t)) found.push_back(t);
    }
    // RFC 7489 6.6.3: anything but exactly one record means no policy here.
    if (found.size() != 1) return std::nullopt;
    return parse_dmarc_record(found.front());
}

}  // namespace

// Every address domain in a From header value.
std::vector<std::string> from_domains(std::string_view header_value) {
    std::vector<std::string> out;
    std::string clean = util::strip_quotes_and_comments(header_value);
    std::size_t start = 0;
    int angle = 0;
    for (std::size_t i = 0; i <= clean.size(); ++i) {
        char c = i < clean.size() ? clean[i] : ',';
        if (c == '<') ++angle;
        if (c == '>' && angle > 0) --angle;
        if (c != ',' || (angle > 0 && i < clean.size())) continue;
        std::string_view piece(clean.data() + start, i - start);
        start = i + 1;
        auto at = piece.rfind('@');
        if (at == std::string_view::npos) continue;
        std::size_t end = at + 1;
        while (end < piece.size() && domain_char(piece[end]))
            ++end;
        std::string d = normalize_domain(piece.substr(at + 1, end - at - 1));
        if (!d.empty()) out.push_back(d);
        if (out.size() >= kMaxFromAddresses) break;
    }
    return out;
}

// Identifier alignment.
bool domains_aligned(std::string_view a, std::string_view b, bool strict,
                     const PublicSuffixList& psl) {
    std::string na = normalize_domain(a), nb = normalize_domain(b);
    if (na.empty() || nb.empty()) return false;
    if (na == nb) return true;
    if (strict) return false;
    return psl.organizational_domain(na) == psl.organizational_domain(nb);
}

// Record discovery at the domain, then at its organisational domain.
DmarcVerdict dmarc_discover(const dns::Resolver& resolver, const PublicSuffixList& psl,
                            std::string_view from_domain) {
    DmarcVerdict v;
    v.from_domain = normalize_domain(from_domain);
    v.org_domain = psl.organizational_domain(v.from_domain);
    bool temp = false;
    auto rec = lookup_record(resolver, v.from_domain, temp);
    std::string where = v.from_domain;
    if (!rec && !temp && v.org_domain != v.from_domain) {
        rec = lookup_record(resolver, v.org_domain, temp);
        where = v.org_domain;
    }
    if (temp) {
        v.result = Result::temperror;
        v.reason = "DNS failure looking up the DMARC record at _dmarc." + where;
        return v;
    }
    if (!rec) {
        v.result = Result::none;
        v.reason = "no DMARC record";
        return v;
    }
    if (!rec->record) {
        v.result = Result::permerror;
        v.record_domain = where;
        v.reason = "invalid DMARC record: " + rec->error;
        return v;
    }
    v.record = rec->record;
    v.record_domain = where;
    bool subdomain = where != v.from_domain;
    v.policy = subdomain ? v.record->sp : v.record->p;
    return v;
}

// Full DMARC evaluation.
DmarcVerdict dmarc_evaluate(const dns::Resolver& resolver, const PublicSuffixList& psl,
                            const std::vector<std::string>& from_values, const AuthIdentity& spf,
                            const std::vector<AuthIdentity>& dkim) {
    std::vector<std::string> domains;
    for (const auto& v : from_values) {
        for (auto& d : from_domains(v))
            domains.push_back(std::move(d));
    }
    if (domains.size() != 1) {
        DmarcVerdict v;
        v.result = Result::permerror;
        v.reason = domains.empty() ? "no From address" : "more than one From address";
        return v;
    }
    DmarcVerdict v = dmarc_discover(resolver, psl, domains.front());
    if (!v.record) return v;
    const DmarcRecord& r = *v.record;
    v.spf_aligned =
        spf.result == Result::pass && domains_aligned(spf.domain, v.from_domain, r.strict_spf, psl);
    for (const auto& d : dkim) {
        if (d.result == Result::pass &&
            domains_aligned(d.domain, v.from_domain, r.strict_dkim, psl)) {
            v.dkim_aligned = true;
            v.dkim_aligned_domain = normalize_domain(d.domain);
            break;
        }
    }
    v.result = (v.spf_aligned || v.dkim_aligned) ? Result::pass : Result::fail;
    v.reason = v.result == Result::pass ? "aligned" : "no aligned SPF or DKIM pass";
    return v;
}

}  // namespace mxpulse::auth
