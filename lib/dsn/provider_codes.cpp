// Providers' own error codes inside a reply ("OFR005_505", "AUP#In-1310") and their reasons.
#include "dsn/provider_codes.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Codes looked at per text: a reply names one, a transcript a few.
constexpr std::size_t kMaxCodes = 8;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_word(char c) {
    return is_digit(c) || is_alpha(c) || c == '_';
}

// Returns the number of digits at text[at...].
std::size_t digits_at(std::string_view text, std::size_t at) {
    std::size_t n = 0;
    while (at + n < text.size() && is_digit(text[at + n]))
        ++n;
    return n;
}

// Reads an Orange / La Poste code whose separator ("_" or "-") is at text[sep] ("OFR005_505",
// "LPN_416", "OUK_513", "LPNAAA_101", "LPN105-104"): a site prefix, an optional three-digit
// site number, the separator and the three-digit error number. Returns the error number or "".
std::string orange_code(std::string_view text, std::size_t sep) {
    if (sep + 4 > text.size() || digits_at(text, sep + 1) != 3) return {};
    if (sep + 4 < text.size() && is_word(text[sep + 4])) return {};
    // The site number (three digits before the separator) is optional before "_" only.
    std::size_t site_end = sep;
    if (sep >= 3 && is_digit(text[sep - 1]) && is_digit(text[sep - 2]) && is_digit(text[sep - 3]))
        site_end = sep - 3;
    else if (text[sep] != '_')
        return {};
    for (std::string_view site : {"lpnaaa", "lpn", "ofr", "ouk"}) {
        if (site_end < site.size()) continue;
        const std::size_t start = site_end - site.size();
        if (start > 0 && is_word(text[start - 1])) continue;
        if (util::iequals(text.substr(start, site.size()), site))
            return std::string(text.substr(sep + 1, 3));
    }
    return {};
}

// Reads an acceptable-use-policy code after "AUP#" at text[at]: "In-1310" gives "1310",
// "CDRBL" gives "cdrbl". Returns "" when nothing follows.
std::string aup_code(std::string_view text, std::size_t at) {
    std::size_t p = at;
    while (p < text.size() && (is_alpha(text[p]) || text[p] == '-'))
        ++p;
    if (const std::size_t n = digits_at(text, p); n == 4) return std::string(text.substr(p, 4));
    std::size_t end = at;
    while (end < text.size() && (is_alpha(text[end]) || is_digit(text[end])))
        ++end;
    return util::to_lower(text.substr(at, end - at));
}

// Returns true when key ("1300-1340" or "505") covers code.
bool covers(std::string_view key, std::string_view code) {
    const std::size_t dash = key.find('-');
    if (dash == std::string_view::npos) return key == code;
    unsigned low = 0, high = 0, value = 0;
    const auto parse = [](std::string_view s, unsigned& out) {
        return !s.empty() &&
               std::from_chars(s.data(), s.data() + s.size(), out).ptr == s.data() + s.size();
    };
    return parse(key.substr(0, dash), low) && parse(key.substr(dash + 1), high) &&
           parse(code, value) && value >= low && value <= high;
}

}  // namespace

// Returns the provider codes found in text, in order of appearance (at most a few).
std::vector<ProviderCode> find_provider_codes(std::string_view text) {
    // Every code has a "_", "-" or "#" at a known place: look only there (memchr finds them).
    std::vector<std::pair<std::size_t, ProviderCode>> found;
    for (const char mark : {'_', '-', '#'}) {
        for (std::size_t i = text.find(mark);
             i != std::string_view::npos && found.size() < kMaxCodes; i = text.find(mark, i + 1)) {
            if (mark == '#') {
                if (i < 3 || !util::iequals(text.substr(i - 3, 3), "aup")) continue;
                std::string code = aup_code(text, i + 1);
                if (!code.empty()) found.push_back({i, {"aup", std::move(code)}});
                continue;
            }
            std::string code = orange_code(text, i);
            if (!code.empty()) found.push_back({i, {"orange", std::move(code)}});
        }
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ProviderCode> out;
    out.reserve(found.size());
    for (auto& f : found)
        out.push_back(std::move(f.second));
    return out;
}

// Returns the reason of the first provider code in text that the rules decide, or "".
std::string provider_reason(std::string_view text, const std::vector<Rule>& rules) {
    const Rule* rule = provider_rule(text, rules);
    return rule == nullptr ? std::string() : rule->reason;
}

// Returns the first code rule that decides a provider code in text, or nullptr.
const Rule* provider_rule(std::string_view text, const std::vector<Rule>& rules) {
    if (rules.empty()) return nullptr;
    for (const auto& found : find_provider_codes(text))
        for (const auto& rule : rules) {
            const std::string_view key = rule.key;
            const std::size_t colon = key.find(':');
            if (colon == std::string_view::npos || key.substr(0, colon) != found.scheme) continue;
            if (covers(key.substr(colon + 1), found.code)) return &rule;
        }
    return nullptr;
}

}  // namespace mxpulse::dsn
