// Locale-free ASCII helpers shared by the MIME and DSN parsers.
#include "mime/ascii.hpp"

namespace mxpulse::mime {

// Returns s with ASCII letters lower-cased.
std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = lower(c);
    return out;
}

// Returns true when a and b are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// Returns true when s starts with prefix ignoring ASCII case.
bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Returns the position of needle in hay ignoring ASCII case, or npos. The first byte is found
// with memchr-backed find() in both cases, which keeps long scans fast.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) {
    constexpr auto npos = std::string_view::npos;
    if (needle.empty()) return from <= hay.size() ? from : npos;
    if (needle.size() > hay.size()) return npos;
    const char lc = lower(needle[0]);
    const char uc = (lc >= 'a' && lc <= 'z') ? static_cast<char>(lc - 32) : lc;
    std::size_t pl = hay.find(lc, from);
    std::size_t pu = lc == uc ? npos : hay.find(uc, from);
    while (true) {
        const std::size_t i = pl < pu ? pl : pu;
        if (i == npos || i + needle.size() > hay.size()) return npos;
        std::size_t k = 1;
        while (k < needle.size() && lower(hay[i + k]) == lower(needle[k]))
            ++k;
        if (k == needle.size()) return i;
        if (i == pl)
            pl = hay.find(lc, i + 1);
        else
            pu = hay.find(uc, i + 1);
    }
}

// Returns s without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s) {
    const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && ws(s.back()))
        s.remove_suffix(1);
    return s;
}

// Returns s with every run of whitespace replaced by one space, trimmed.
std::string squash_spaces(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

}  // namespace mxpulse::mime
