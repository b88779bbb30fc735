// The two timestamps Postfix log lines start with: RFC 3164 (syslog, maillog_file) and ISO 8601.
#include <ctime>

#include "postlog/line.hpp"

namespace mxpulse::postlog {
namespace {

// Reads n digits at s[i..]; returns -1 when any is not a digit.
int digits(std::string_view s, std::size_t i, std::size_t n) {
    if (i + n > s.size()) return -1;
    int v = 0;
    for (std::size_t k = i; k < i + n; ++k) {
        if (s[k] < '0' || s[k] > '9') return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

// Returns the month index (0-11) of a three-letter English month name, or -1.
int month_of(std::string_view m) {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (m.size() != 3) return -1;
    for (int i = 0; i < 12; ++i)
        if (kMonths.substr(static_cast<std::size_t>(i) * 3, 3) == m) return i;
    return -1;
}

// Reads "HH:MM:SS" at s[i..] into t; returns false when malformed or out of range.
bool clock_at(std::string_view s, std::size_t i, std::tm& t) {
    int h = digits(s, i, 2), m = digits(s, i + 3, 2), sec = digits(s, i + 6, 2);
    if (h < 0 || m < 0 || sec < 0 || s[i + 2] != ':' || s[i + 5] != ':') return false;
    if (h > 23 || m > 59 || sec > 60) return false;
    t.tm_hour = h;
    t.tm_min = m;
    t.tm_sec = sec;
    return true;
}

// Returns the position after an optional ".digits" fraction at i.
std::size_t skip_fraction(std::string_view s, std::size_t i) {
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
    }
    return i;
}

// Returns the offset in seconds of "Z", "+hh:mm" or "+hhmm" at s[i..] and its length in *len.
std::optional<int> zone_at(std::string_view s, std::size_t i, std::size_t* len) {
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        *len = 1;
        return 0;
    }
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
    int h = digits(s, i + 1, 2);
    bool colon = i + 3 < s.size() && s[i + 3] == ':';
    int m = digits(s, i + (colon ? 4 : 3), 2);
    if (h < 0 || m < 0 || h > 14 || m > 59) return std::nullopt;
    *len = colon ? 6 : 5;
    int off = h * 3600 + m * 60;
    return s[i] == '-' ? -off : off;
}

}  // namespace

std::optional<std::int64_t> parse_bsd_time(std::string_view s, std::int64_t now,
                                           std::size_t* used) {
    if (s.size() < 15 || s[3] != ' ') return std::nullopt;
    int mon = month_of(s.substr(0, 3));
    int day = s[4] == ' ' ? digits(s, 5, 1) : digits(s, 4, 2);
    if (mon < 0 || day < 1 || day > 31 || s[6] != ' ') return std::nullopt;
    std::tm t{};
    if (!clock_at(s, 7, t)) return std::nullopt;
    std::time_t tnow = static_cast<std::time_t>(now);
    std::tm local{};
    localtime_r(&tnow, &local);
    t.tm_mon = mon;
    t.tm_mday = day;
    t.tm_year = local.tm_year;
    t.tm_isdst = -1;
    std::tm copy = t;
    std::int64_t v = std::mktime(&t);
    if (v > now + 86400) {  // December's lines read in January
        copy.tm_year -= 1;
        v = std::mktime(&copy);
    }
    *used = skip_fraction(s, 15);
    return v;
}

std::optional<std::int64_t> parse_iso_time(std::string_view s, std::size_t* used) {
    if (s.size() < 20) return std::nullopt;
    int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
    std::tm t{};
    if (!clock_at(s, 11, t)) return std::nullopt;
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    std::size_t i = skip_fraction(s, 19), zlen = 0;
    auto off = zone_at(s, i, &zlen);
    if (!off) return std::nullopt;
    *used = i + zlen;
    return static_cast<std::int64_t>(timegm(&t)) - *off;
}

}  // namespace mxpulse::postlog
