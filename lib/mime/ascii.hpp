// Locale-free ASCII helpers shared by the MIME and DSN parsers.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::mime {

// Returns the ASCII lower-case form of c.
inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// Returns s with ASCII letters lower-cased.
std::string to_lower(std::string_view s);

// Returns true when a and b are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// Returns true when s starts with prefix ignoring ASCII case.
bool istarts_with(std::string_view s, std::string_view prefix);

// Returns the position of needle in hay ignoring ASCII case, or npos.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0);

// Returns s without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);

// Returns s with every run of whitespace replaced by one space, trimmed.
std::string squash_spaces(std::string_view s);

}  // namespace mxpulse::mime
