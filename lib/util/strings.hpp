// Byte-string helpers used by parsers: trimming, case folding, splitting, address parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::util {

// Returns the ASCII lower-case form of c (other bytes unchanged).
inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Returns s without leading and trailing ASCII white space.
std::string_view trim(std::string_view s);

// Returns an ASCII-lowercased copy of s.
std::string to_lower(std::string_view s);

// Returns true when a and b are equal ignoring ASCII case (inline: header lookups call it in
// their inner loops).
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// Returns true when s starts with prefix, ignoring ASCII case.
inline bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Returns the position of needle in hay at or after from, ignoring ASCII case, or npos.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0);

// Returns s with every run of spaces, tabs, CR and LF replaced by one space, trimmed.
std::string squash_spaces(std::string_view s);

// Splits s on any of the separator characters, dropping empty pieces.
std::vector<std::string_view> split(std::string_view s, std::string_view separators);

// Returns true when NAME is DOMAIN or one of its subdomains, ignoring ASCII case.
bool domain_within(std::string_view name, std::string_view domain);

// Returns the domain part of an address ("<a@B.example>" -> "b.example"), lowercased, or "".
std::string address_domain(std::string_view address);

// Returns an address header value without its RFC 5322 quoted strings and (nested) comments,
// so that '<', '>', ',' and '@' left in it are structure.
std::string strip_quotes_and_comments(std::string_view v);

// Strips one pair of angle brackets and surrounding space from an envelope address.
std::string_view strip_angles(std::string_view address);

}  // namespace mxpulse::util
