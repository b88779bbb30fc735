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
            off = (v / 100) * 60 + v % 100;
            if (t[0] == '-') off = -off;
            have_zone = true;
        } else if (all_digits(t)) {
            const int v = leading_number(t);
            if (day == 0 && t.size() <= 2)
                day = v;
            else if (year == 0)
                year = t.size() == 2 ? 2000 + v : v;
        } else if (month == 0 && t.size() <= 9 && month_number(t) > 0) {
            month = month_number(t);
        } else if (!have_zone && zone_offset(t, off)) {
            have_zone = true;
        }
    }
    if (day == 0 || month == 0 || year == 0 || hh < 0) return {};
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
