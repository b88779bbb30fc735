// Formatter for the Authentication-Results header (RFC 8601).
#include "auth/auth_results.hpp"

#include <vector>

namespace mxpulse::auth {

namespace {

// True when S can be written as an RFC 2045 token without quoting.
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s) {
        if (c <= 32 || c >= 127 ||
            std::string_view("()<>@,;:\\\"/[]?=").find(static_cast<char>(c)) !=
                std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// A property value: a token, a dot-atom domain, or a quoted string.
std::string value(std::string_view s) {
    if (is_token(s)) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c != '\r' && c != '\n') out += c;
    }
    return out + "\"";
}

// A comment with parentheses and backslashes escaped.
std::string comment(std::string_view s) {
    std::string out = "(";
    for (char c : s) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        if (c != '\r' && c != '\n') out += c;
    }
    return out + ")";
}

}  // namespace

// Builds the header value.
std::string format_authentication_results(std::string_view authserv_id, const Verdict& v) {
    std::vector<std::string> parts;
    for (const auto& s : v.spf) {
        std::string p = "spf=" + std::string(result_name(s.result)) + " " +
                        comment("egress " + s.address) + " ";
        p += (s.identity == "helo" ? "smtp.helo=" : "smtp.mailfrom=") + value(s.domain);
        parts.push_back(std::move(p));
    }
    for (const auto& d : v.dkim) {
        // RFC 8601 registers header.d for both methods; header.s and header.a only for dkim.
        bool dk = d.kind == SignatureKind::domainkeys;
        std::string p = (dk ? "domainkeys=" : "dkim=") + std::string(result_name(d.result));
        if (!d.error.empty() && d.result != Result::pass) p += " " + comment(d.error);
        if (!d.note.empty()) p += " " + comment(d.note);
        if (!d.domain.empty()) p += " header.d=" + value(d.domain);
        if (!dk && !d.selector.empty()) p += " header.s=" + value(d.selector);
        if (!dk && !d.algorithm.empty()) p += " header.a=" + value(d.algorithm);
        parts.push_back(std::move(p));
    }
    if (v.dmarc.result != Result::none || !v.dmarc.from_domain.empty()) {
        std::string p = "dmarc=" + std::string(result_name(v.dmarc.result));
        if (v.dmarc.record) p += " " + comment("p=" + std::string(policy_name(v.dmarc.policy)));
        if (!v.dmarc.from_domain.empty()) p += " header.from=" + value(v.dmarc.from_domain);
        parts.push_back(std::move(p));
    }
    std::string out = " " + value(authserv_id);
    if (parts.empty()) return out + "; none";
    for (const auto& p : parts)
        out += ";\r\n\t" + p;
    return out;
}

}  // namespace mxpulse::auth
