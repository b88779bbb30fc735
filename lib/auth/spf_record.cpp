// Strict RFC 7208 syntax check of an SPF record (section 12 ABNF), used beside libspf2.
#include "auth/spf_record.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>

#include <vector>

namespace mxpulse::auth {

namespace {

// ASCII letter test.
bool alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// ASCII digit test.
bool digit(char c) {
    return c >= '0' && c <= '9';
}
// Letter or digit.
bool alnum(char c) {
    return alpha(c) || digit(c);
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
bool valid_toplabel(std::string_view l) {
    if (l.empty() || !alnum(l.front()) || !alnum(l.back())) return false;
    bool has_alpha = false, has_dash = false;
    for (char c : l) {
        if (alpha(c))
            has_alpha = true;
        else if (c == '-')
            has_dash = true;
        else if (!digit(c))
            return false;
    }
    return has_alpha || has_dash;
}

// Checks a macro-string; EXP allows the c, r, t letters. Sets END_MACRO when it ends in one.
bool valid_macro_string(std::string_view s, bool exp, bool& end_macro) {
    end_macro = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        end_macro = false;
        if (c != '%') {
            if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
                return false;
            }
            continue;
        }
        if (i + 1 >= s.size()) return false;
        char n = s[++i];
        if (n == '%' || n == '_' || n == '-') continue;
        if (n != '{' || i + 1 >= s.size()) return false;
        char letter = static_cast<char>(s[++i] | 0x20);
        std::string_view letters = exp ? "slodiphcrtv" : "slodiphv";
        if (letters.find(letter) == std::string_view::npos) return false;
        ++i;
        while (i < s.size() && digit(s[i]))
            ++i;
        if (i < s.size() && (s[i] == 'r' || s[i] == 'R')) ++i;
        while (i < s.size() && std::string_view(".-+,/_=").find(s[i]) != std::string_view::npos) {
            ++i;
        }
        if (i >= s.size() || s[i] != '}') return false;
        end_macro = true;
    }
    return true;
}

// domain-spec = macro-string domain-end.
bool valid_domain_spec(std::string_view s) {
    if (s.empty()) return false;
    bool end_macro = false;
    if (!valid_macro_string(s, false, end_macro)) return false;
    if (end_macro) return true;
    if (s.back() == '.') s.remove_suffix(1);
    auto dot = s.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return valid_toplabel(s.substr(dot + 1));
}

// A CIDR length: "0" or a number without leading zero, at most MAX.
bool valid_cidr(std::string_view s, int max) {
    if (s.empty() || s.size() > 3) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    int v = 0;
    for (char c : s) {
        if (!digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    return v <= max;
}

// Splits off a trailing dual-cidr ("/n", "//m", "/n//m") from a/mx arguments; false when bad.
bool split_dual_cidr(std::string_view& arg) {
    std::size_t end = arg.size();
    std::size_t i = end;
    while (i > 0 && digit(arg[i - 1]))
        --i;
    if (i < end && i >= 2 && arg[i - 1] == '/' && arg[i - 2] == '/') {
        if (!valid_cidr(arg.substr(i, end - i), 128)) return false;
        end = i - 2;
        i = end;
        while (i > 0 && digit(arg[i - 1]))
            --i;
    }
    if (i < end && i >= 1 && arg[i - 1] == '/') {
        if (!valid_cidr(arg.substr(i, end - i), 32)) return false;
        end = i - 1;
    }
    arg = arg.substr(0, end);
    return true;
}

// Checks one mechanism (without qualifier).
std::optional<std::string> check_mechanism(std::string_view term) {
    auto cut = term.find_first_of(":/");
    std::string name = util::to_lower(term.substr(0, cut));
    std::string_view rest = cut == std::string_view::npos ? std::string_view() : term.substr(cut);
    if (name == "all") {
        if (!rest.empty()) return "arguments on all";
        return std::nullopt;
    }
    if (name == "include" || name == "exists" || name == "ptr") {
        if (rest.empty()) {
            if (name == "ptr") return std::nullopt;
            return name + " needs a domain";
        }
        if (rest.front() != ':') return "bad " + name + " syntax";
        if (!valid_domain_spec(rest.substr(1))) return "bad domain in " + name;
        return std::nullopt;
    }
    if (name == "a" || name == "mx") {
        std::string_view arg = rest;
        if (!split_dual_cidr(arg)) return "bad CIDR on " + name;
        if (arg.empty()) return std::nullopt;
        if (arg.front() != ':' || !valid_domain_spec(arg.substr(1))) {
            return "bad domain in " + name;
        }
        return std::nullopt;
    }
    if (name == "ip4" || name == "ip6") {
        if (rest.empty() || rest.front() != ':') return name + " needs an address";
        std::string_view net = rest.substr(1);
        auto sl = net.find('/');
        std::string addr(net.substr(0, sl));
        unsigned char buf[16];
        int af = name == "ip4" ? AF_INET : AF_INET6;
        if (inet_pton(af, addr.c_str(), buf) != 1) return "bad " + name + " address";
        if (sl != std::string_view::npos &&
            !valid_cidr(net.substr(sl + 1), af == AF_INET ? 32 : 128)) {
            return "bad " + name + " CIDR";
        }
        return std::nullopt;
    }
    return "unknown mechanism " + name;
}

}  // namespace

// True for v=spf1 records.
bool is_spf_record(std::string_view text) {
    if (text.size() < 6 || util::to_lower(text.substr(0, 6)) != "v=spf1") return false;
    return text.size() == 6 || text[6] == ' ';
}

// Checks a whole record.
std::optional<std::string> spf_syntax_error(std::string_view record) {
    if (!is_spf_record(record)) return "not an SPF record";
    for (char c : record) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            return "control or non-ASCII character";
        }
    }
    int redirects = 0, exps = 0;
    std::size_t pos = 6;
    while (pos < record.size()) {
        while (pos < record.size() && record[pos] == ' ')
            ++pos;
        if (pos >= record.size()) break;
        std::size_t end = record.find(' ', pos);
        if (end == std::string_view::npos) end = record.size();
        std::string_view term = record.substr(pos, end - pos);
        pos = end;
        // modifier: name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        auto eq = term.find('=');
        std::size_t name_end = 0;
        while (name_end < term.size() && (alnum(term[name_end]) || term[name_end] == '-' ||
                                          term[name_end] == '_' || term[name_end] == '.')) {
            ++name_end;
        }
        if (eq != std::string_view::npos && eq == name_end && eq > 0 && alpha(term[0])) {
            std::string name = util::to_lower(term.substr(0, eq));
            std::string_view value = term.substr(eq + 1);
            if (name == "redirect" || name == "exp") {
                if (++(name == "redirect" ? redirects : exps) > 1) return name + " twice";
                if (!valid_domain_spec(value)) return "bad domain in " + name;
            } else {
                bool end_macro = false;
                if (!valid_macro_string(value, false, end_macro)) {
                    return "bad macro string in " + name;
                }
            }
            continue;
        }
        if (!term.empty() && std::string_view("+-~?").find(term[0]) != std::string_view::npos) {
            term.remove_prefix(1);
        }
        if (auto err = check_mechanism(term)) return err;
    }
    return std::nullopt;
}

}  // namespace mxpulse::auth
