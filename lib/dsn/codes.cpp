// Finding SMTP reply codes and RFC 3463 enhanced status codes in free text.
#include "dsn/codes.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true for an ASCII digit.
bool digit(char c) {
    return c >= '0' && c <= '9';
}

// Returns the length of an enhanced status code starting at text[i], or 0.
std::size_t status_length(std::string_view text, std::size_t i) {
    if (i + 5 > text.size()) return 0;
    const char c = text[i];
    if (c != '2' && c != '4' && c != '5') return 0;
    if (i > 0 && (digit(text[i - 1]) || text[i - 1] == '.')) return 0;
    if (text[i + 1] != '.') return 0;
    std::size_t j = i + 2;
    std::size_t n = 0;
    while (j < text.size() && digit(text[j]) && n < 3)
        ++j, ++n;
    if (n == 0 || j >= text.size() || text[j] != '.') return 0;
    ++j;
    n = 0;
    while (j < text.size() && digit(text[j]) && n < 3)
        ++j, ++n;
    if (n == 0) return 0;
    if (j < text.size() && (digit(text[j]) || text[j] == '.')) {
        if (text[j] == '.' && j + 1 < text.size() && digit(text[j + 1])) return 0;  // an address
        if (digit(text[j])) return 0;
    }
    return j - i;
}

}  // namespace

// Returns the first enhanced status code in text at or after from, or "".
std::string find_status(std::string_view text, std::size_t from, std::size_t* at) {
    for (std::size_t i = from; i < text.size(); ++i) {
        const std::size_t n = status_length(text, i);
        if (n == 0) continue;
        if (at) *at = i;
        return std::string(text.substr(i, n));
    }
    return {};
}

// Returns the first SMTP reply code in text at or after from, or "".
std::string find_reply_code(std::string_view text, std::size_t from, std::size_t* at) {
    for (std::size_t i = from; i + 3 <= text.size(); ++i) {
        const char c = text[i];
        if (c != '2' && c != '4' && c != '5') continue;
        if (!digit(text[i + 1]) || !digit(text[i + 2])) continue;
        if (text[i + 1] > '5') continue;
        if (i > 0) {
            const char p = text[i - 1];
            if (!(p == ' ' || p == '\t' || p == '\n' || p == '\r' || p == '<' || p == '(' ||
                  p == '[' || p == '\'' || p == '"' || p == '#' || p == ';' || p == ':' ||
                  p == '>'))
                continue;
        }
        if (i + 3 < text.size()) {
            const char n = text[i + 3];
            if (!(n == ' ' || n == '-' || n == '\n' || n == '\r' || n == '\t' || n == ':' ||
                  n == '\'' || n == ']' || n == ')' || n == '"' || n == ','))
                continue;
            if (n == '-' && i + 4 < text.size() && digit(text[i + 4])) continue;
        }
        if (at) *at = i;
        return std::string(text.substr(i, 3));
    }
    return {};
}

// Returns a status code normalised or "" if invalid.
std::string normalise_status(std::string_view value) {
    return find_status(value);
}

}  // namespace mxpulse::dsn
