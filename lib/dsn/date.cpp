// RFC 5322 date-times converted to ISO 8601 with a numeric offset.
#include "dsn/date.hpp"

#include <array>
#include <charconv>
#include <string>
#include <system_error>

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns the 1-based month of a three-letter English name, or 0.
int month_number(std::string_view name) {
    static constexpr std::array<std::string_view, 12> months{
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (name.size() < 3) return 0;
    for (std::size_t i = 0; i < months.size(); ++i)
        if (util::iequals(name.substr(0, 3), months[i])) return static_cast<int>(i) + 1;
    return 0;
}

// Returns the offset in minutes of a named zone, or false when unknown.
bool zone_offset(std::string_view z, int& minutes) {
    struct Zone {
        std::string_view name;
        int minutes;
    };
    static constexpr std::array<Zone, 14> zones{{{"UT", 0},
                                                 {"UTC", 0},
                                                 {"GMT", 0},
                                                 {"Z", 0},
                                                 {"EST", -300},
                                                 {"EDT", -240},
                                                 {"CST", -360},
                                                 {"CDT", -300},
                                                 {"MST", -420},
                                                 {"MDT", -360},
                                                 {"PST", -480},
                                                 {"PDT", -420},
                                                 {"JST", 540},
                                                 {"CET", 60}}};
    for (const auto& zone : zones)
        if (util::iequals(z, zone.name)) {
            minutes = zone.minutes;
            return true;
        }
    return false;
}

// Returns true when s is all digits and not empty.
bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Returns the value of the leading digits of s (at most 6 of them), or -1 when it has none.
int leading_number(std::string_view s) {
    int v = 0;
    std::size_t n = 0;
    while (n < s.size() && n < 6 && s[n] >= '0' && s[n] <= '9')
        v = v * 10 + (s[n++] - '0');
    return n == 0 ? -1 : v;
}

// Reads "hh:mm[:ss]" from t into hh, mm, ss; returns false when t is no time of day.
bool time_of_day(std::string_view t, int& hh, int& mm, int& ss) {
    int parts[3] = {0, 0, 0};
    int n = 0;
    std::size_t i = 0;
    while (n < 3) {
        const int v = leading_number(t.substr(i));
        if (v < 0) break;
        parts[n++] = v;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            ++i;
        if (i >= t.size() || t[i] != ':') break;
        ++i;
    }
    if (n < 2) return false;
    hh = parts[0], mm = parts[1], ss = n == 3 ? parts[2] : 0;
    return true;
}

// Returns the year of a 2- or 3-digit year as RFC 5322 section 4.3 reads it (00-49: 2000-2049,
// 50-99 and 3 digits: plus 1900), and a 4-digit year as it is.
int obsolete_year(int v, std::size_t digits) {
    if (digits == 2) return v < 50 ? 2000 + v : 1900 + v;
    if (digits == 3) return 1900 + v;
    return v;
}

// Returns the days of a month (1-12) in a year of the Gregorian calendar.
int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Returns true when every field is in range: year 1900-9999 (RFC 5322 has none before 1900),
// an existing day of the month, hh 0-23, mm 0-59, ss 0-60 (a leap second), an offset within
// +-14:00 (the widest in use), and a zone that was given.
bool valid(int year, int month, int day, int hh, int mm, int ss, int off, bool have_zone) {
    if (year < 1900 || year > 9999 || month < 1 || month > 12) return false;
    if (day < 1 || day > days_in_month(year, month)) return false;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return false;
    return have_zone && off >= -14 * 60 && off <= 14 * 60;
}

}  // namespace

// Returns "YYYY-MM-DDTHH:MM:SS+hh:mm" for an RFC 5322 date (lenient), or "" when unparsable.
namespace {

// Appends v in decimal, zero-padded to width digits (as printf's "%0*d" does).
void append_padded(std::string& out, int v, int width) {
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    const int n = ec == std::errc() ? static_cast<int>(end - digits) : 0;
    const bool negative = n > 0 && digits[0] == '-';
    if (negative) out.push_back('-');
    for (int pad = width - n; pad > 0; --pad)
        out.push_back('0');
    out.append(digits + (negative ? 1 : 0), digits + n);
}

}  // namespace

std::string to_iso8601(std::string_view in) {
    int day = 0, month = 0, year = 0, hh = -1, mm = 0, ss = 0, off = 0;
    bool have_zone = false;
    std::size_t i = 0;
    for (int tokens = 0; i < in.size() && tokens < 12; ++tokens) {
        while (i < in.size() && (in[i] == ' ' || in[i] == ',' || in[i] == '\t'))
            ++i;
        if (i >= in.size() || in[i] == '(') break;
        std::size_t j = i;
        while (j < in.size() && in[j] != ' ' && in[j] != ',' && in[j] != '\t')
            ++j;
        const std::string_view t = in.substr(i, j - i);
        i = j;
        if (t.find(':') != std::string_view::npos && hh < 0) {
            time_of_day(t, hh, mm, ss);
        } else if ((t[0] == '+' || t[0] == '-') && t.size() == 5 && all_digits(t.substr(1))) {
            const int v = leading_number(t.substr(1));
            if (v % 100 > 59) return {};  // "+0075": no such offset
            off = (v / 100) * 60 + v % 100;
            if (t[0] == '-') off = -off;
            have_zone = true;
        } else if (all_digits(t)) {
            const int v = leading_number(t);
            if (day == 0 && t.size() <= 2)
                day = v;
            else if (year == 0 && t.size() <= 4)
                year = obsolete_year(v, t.size());
        } else if (month == 0 && t.size() <= 9 && month_number(t) > 0) {
            month = month_number(t);
        } else if (!have_zone && zone_offset(t, off)) {
            have_zone = true;
        }
    }
    if (!valid(year, month, day, hh, mm, ss, off, have_zone)) return {};
    const int a = off < 0 ? -off : off;
    std::string out;
    out.reserve(25);
    append_padded(out, year, 4);
    out.push_back('-');
    append_padded(out, month, 2);
    out.push_back('-');
    append_padded(out, day, 2);
    out.push_back('T');
    append_padded(out, hh, 2);
    out.push_back(':');
    append_padded(out, mm, 2);
    out.push_back(':');
    append_padded(out, ss, 2);
    out.push_back(off < 0 ? '-' : '+');
    append_padded(out, a / 60, 2);
    out.push_back(':');
    append_padded(out, a % 60, 2);
    return out;
}

}  // namespace mxpulse::dsn
