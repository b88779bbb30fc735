// Byte-string helpers used by parsers: trimming, case folding, splitting, address parts.
#include "util/strings.hpp"

#include <algorithm>

namespace mxpulse::util {

namespace {
// Returns true for the ASCII white-space bytes that header and protocol parsers skip.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
}  // namespace

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// Finds the first byte in either case with memchr-backed find(), which keeps long scans fast.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) {
    constexpr auto npos = std::string_view::npos;
    if (needle.empty()) return from <= hay.size() ? from : npos;
    if (needle.size() > hay.size()) return npos;
    const char lc = lower(needle[0]);
    const char uc = (lc >= 'a' && lc <= 'z') ? static_cast<char>(lc - 'a' + 'A') : lc;
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

std::string squash_spaces(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && blank(s[i]))
            ++i;
        if (i == s.size()) break;
        std::size_t j = i + 1;
        while (j < s.size() && !blank(s[j]))
            ++j;
        if (!out.empty()) out.push_back(' ');
        out.append(s.data() + i, j - i);
        i = j;
    }
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

std::vector<std::string_view> split(std::string_view s, std::string_view separators) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find_first_of(separators, start);
        if (end == std::string_view::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string_view strip_angles(std::string_view address) {
    address = trim(address);
    if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
        address = trim(address.substr(1, address.size() - 2));
    }
    return address;
}

std::string address_domain(std::string_view address) {
    address = strip_angles(address);
    size_t at = address.rfind('@');
    if (at == std::string_view::npos || at + 1 >= address.size()) return {};
    std::string_view domain = address.substr(at + 1);
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']')
        return std::string(domain);
    return to_lower(domain);
}

// Drops quoted strings and comments, keeping every other byte.
std::string strip_quotes_and_comments(std::string_view v) {
    std::string out;
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (depth > 0) {
            if (c == '\\')
                ++i;
            else if (c == '(')
                ++depth;
            else if (c == ')')
                --depth;
            continue;
        }
        if (c == '"')
            quoted = true;
        else if (c == '(')
            depth = 1;
        else
            out += c;
    }
    return out;
}

// Compares the tail, then requires a label boundary before it.
bool domain_within(std::string_view name, std::string_view domain) {
    if (name.size() < domain.size() || !iequals(name.substr(name.size() - domain.size()), domain))
        return false;
    return name.size() == domain.size() || name[name.size() - domain.size() - 1] == '.';
}

}  // namespace mxpulse::util
