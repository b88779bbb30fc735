// Rewrites a well-formed SPF record into an equivalent one that libspf2 1.2.10 evaluates as
// RFC 7208 says, where libspf2 itself deviates.
#include "auth/spf_rewrite.hpp"

#include <vector>

#include "auth/spf_record.hpp"
#include "util/strings.hpp"

namespace mxpulse::auth {

namespace {

// True when NAME is a modifier name: ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
bool modifier_name(std::string_view name) {
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (name.empty() || !alpha(name[0])) return false;
    for (char c : name) {
        if (!alpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
}

// Returns the modifier name of TERM, or empty when TERM is a mechanism.
std::string modifier_of(std::string_view term) {
    auto eq = term.find('=');
    if (eq == std::string_view::npos || !modifier_name(term.substr(0, eq))) return {};
    return util::to_lower(term.substr(0, eq));
}

}  // namespace

std::string spf_record_for_libspf2(std::string_view record) {
    if (!is_spf_record(record) || spf_syntax_error(record)) return std::string(record);
    std::vector<std::string> terms;
    for (std::size_t at = 0; at < record.size();) {
        auto end = record.find(' ', at);
        if (end == std::string_view::npos) end = record.size();
        if (end > at) terms.emplace_back(record.substr(at, end - at));
        at = end + 1;
    }
    bool has_all = false;
    for (std::size_t i = 1; i < terms.size(); ++i) {
        std::string l = util::to_lower(terms[i]);
        if (!l.empty() && std::string_view("+-~?").find(l[0]) != std::string_view::npos) {
            l.erase(0, 1);
        }
        if (l == "all") has_all = true;
    }
    std::string out = terms.front();
    for (std::size_t i = 1; i < terms.size(); ++i) {
        const std::string& t = terms[i];
        std::string mod = modifier_of(t);
        if (!mod.empty()) {
            if (mod == "exp" || (mod == "redirect" && !has_all)) out += " " + t;
            continue;
        }
        std::string q;
        std::string body = util::to_lower(t);
        if (std::string_view("+-~?").find(body[0]) != std::string_view::npos) {
            q = body.substr(0, 1);
            body.erase(0, 1);
        }
        bool zero = body.size() > 2 && body.compare(body.size() - 2, 2, "/0") == 0;
        if (zero && body.rfind("ip4:", 0) == 0) {
            out += " " + q + "ip4:0.0.0.0/1 " + q + "ip4:128.0.0.0/1";
        } else if (zero && body.rfind("ip6:", 0) == 0) {
            out += " " + q + "ip6:::/1 " + q + "ip6:8000::/1";
        } else {
            out += " " + t;
        }
    }
    return out;
}

}  // namespace mxpulse::auth
