// The attempt timeline of an Exchange NDR ("Diagnostic information for administrators").
#include "dsn/attempts.hpp"

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "dsn/phrase_matcher.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Attempts kept per NDR: Exchange lists a few, a long list is cut here.
constexpr std::size_t kMaxAttempts = 32;
// Bytes of the administrators' section looked at.
constexpr std::size_t kSectionBytes = 8192;

// The section's heading in the languages Exchange Online writes NDRs in; true = month first.
constexpr std::array<std::pair<std::string_view, bool>, 5> kHeadings = {{
    {"Diagnostic information for administrators", true},
    {"Diagnoseinformationen f", false},  // "für Administratoren"
    {"Informaci\xC3\xB3n de diagn\xC3\xB3stico para administradores", false},
    {"Informa\xC3\xA7\xC3\xB5"
     "es de diagn\xC3\xB3stico para administradores",
     false},
    {"Informations de diagnostic pour les administrateurs", false},
}};

// Returns true when c is an ASCII digit.
bool digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads an unsigned number at text[at...] into out; returns the characters read (0: none).
std::size_t number_at(std::string_view text, std::size_t at, int& out) {
    std::size_t n = 0;
    out = 0;
    while (at + n < text.size() && digit(text[at + n]) && n < 4) {
        out = out * 10 + (text[at + n] - '0');
        ++n;
    }
    return n;
}

// Reads "<d1><sep><d2><sep><yyyy> <h>:<mm>:<ss>[ AM|PM]" at the start of line; fills an ISO 8601
// time in out. month_first tells the order of d1 and d2 unless d1 > 12. Returns the length read
// or 0.
std::size_t read_stamp(std::string_view line, bool month_first, std::string& out) {
    int a = 0, b = 0, year = 0, hour = 0, minute = 0, second = 0;
    std::size_t p = 0;
    std::size_t n = number_at(line, p, a);
    if (n == 0 || n > 2 || p + n >= line.size()) return 0;
    p += n;
    const char sep = line[p];
    if (sep != '/' && sep != '.' && sep != '-') return 0;
    n = number_at(line, ++p, b);
    if (n == 0 || n > 2 || p + n >= line.size() || line[p + n] != sep) return 0;
    p += n + 1;
    n = number_at(line, p, year);
    if (n != 4) return 0;
    p += n;
    while (p < line.size() && line[p] == ' ')
        ++p;
    n = number_at(line, p, hour);
    if (n == 0 || n > 2 || p + n >= line.size() || line[p + n] != ':') return 0;
    p += n + 1;
    n = number_at(line, p, minute);
    if (n != 2 || p + n >= line.size() || line[p + n] != ':') return 0;
    p += n + 1;
    n = number_at(line, p, second);
    if (n != 2) return 0;
    p += n;
    // A 12-hour clock: "AM"/"PM" (also "a. m."/"p. m." in Spanish).
    std::string_view rest = line.substr(p);
    const std::size_t lead = rest.find_first_not_of(' ');
    if (lead != std::string_view::npos) {
        const std::string_view tail = rest.substr(lead);
        const bool pm = util::istarts_with(tail, "pm") || util::istarts_with(tail, "p. m.") ||
                        util::istarts_with(tail, "p.m.");
        const bool am = util::istarts_with(tail, "am") || util::istarts_with(tail, "a. m.") ||
                        util::istarts_with(tail, "a.m.");
        if (pm || am) {
            if (hour < 1 || hour > 12) return 0;
            hour = (hour % 12) + (pm ? 12 : 0);
            p += lead + (util::istarts_with(tail, "pm") || util::istarts_with(tail, "am")
                             ? 2
                             : (tail.size() > 4 && tail[2] == ' ' ? 5 : 4));
        }
    }
    int month = month_first ? a : b;
    int day = month_first ? b : a;
    if (sep == '.' || a > 12) {
        day = a;
        month = b;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute,
                  second);
    out = buf;
    return p;
}

// Returns true when s looks like a host name (letters, digits, dots and dashes, one dot at
// least, a letter somewhere).
bool host_like(std::string_view s) {
    bool dot = false, letter = false;
    for (char c : s) {
        if (c == '.') {
            dot = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            letter = true;
        } else if (!digit(c) && c != '-') {
            return false;
        }
    }
    return dot && letter && s.size() < 254;
}

// Fills server, ip and reply of an attempt from the prose after the time stamp.
void read_prose(std::string_view prose, Attempt& a) {
    // The reply: the quoted text at the end ('...', "..." or «...»).
    std::size_t q = prose.find('\'');
    std::string_view close = "'";
    if (const std::size_t d = prose.find('"'); d < q) {
        q = d;
        close = "\"";
    }
    if (const std::size_t g = prose.find("\xC2\xAB"); g < q) {
        q = g + 1;
        close = "\xC2\xBB";
    }
    std::string_view before = prose;
    if (q != std::string_view::npos) {
        const std::size_t end = prose.rfind(close);
        if (end != std::string_view::npos && end > q)
            a.reply = util::squash_spaces(prose.substr(q + 1, end - q - 1));
        before = prose.substr(0, q);
    }
    // The address in parentheses, the host the word before it.
    const std::size_t open = before.find('(');
    const std::size_t shut = open == std::string_view::npos ? open : before.find(')', open);
    if (shut != std::string_view::npos) {
        a.ip = std::string(util::trim(before.substr(open + 1, shut - open - 1)));
        before = before.substr(0, open);
    }
    before = util::trim(before);
    const std::size_t space = before.rfind(' ');
    const std::string_view host =
        space == std::string_view::npos ? before : before.substr(space + 1);
    if (host_like(host)) a.server = std::string(host);
}

}  // namespace

// Returns the administrators' section of an Exchange NDR, or "".
std::string_view history_section(std::string_view text) {
    // One pass finds the first heading of the list that occurs (the list's order decides).
    static const PhraseMatcher matcher = [] {
        std::vector<std::string> headings;
        for (const auto& heading : kHeadings)
            headings.emplace_back(heading.first);
        return PhraseMatcher(headings);
    }();
    const std::size_t hit = matcher.first_phrase(text);
    if (hit == PhraseMatcher::npos) return {};
    return text.substr(util::ifind(text, kHeadings[hit].first), kSectionBytes);
}

// Returns the delivery attempts the section lists, newest first.
std::vector<Attempt> read_attempts(std::string_view section) {
    std::vector<Attempt> out;
    if (section.empty()) return out;
    bool month_first = false;
    for (const auto& [heading, order] : kHeadings)
        if (util::istarts_with(section, heading)) month_first = order;
    std::size_t pos = 0;
    while (pos < section.size() && out.size() < kMaxAttempts) {
        std::size_t nl = section.find('\n', pos);
        if (nl == std::string_view::npos) nl = section.size();
        std::string_view line = util::trim(section.substr(pos, nl - pos));
        pos = nl + 1;
        if (line.empty() || !digit(line.front())) continue;
        Attempt a;
        const std::size_t stamp = read_stamp(line, month_first, a.time);
        if (stamp == 0) continue;
        std::string_view prose = line.substr(stamp);
        const std::size_t dash = prose.find(" - ");
        if (dash == std::string_view::npos || dash > 4) continue;
        read_prose(prose.substr(dash + 3), a);
        if (a.server.empty() && a.reply.empty()) continue;
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace mxpulse::dsn
