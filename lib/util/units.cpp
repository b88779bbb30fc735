// Parsing and printing durations and byte sizes.
#include "util/units.hpp"

#include <charconv>
#include <limits>

#include "util/strings.hpp"

namespace mxpulse::util {

namespace {
// Splits "123abc" into its leading non-negative number and the rest; nullopt without a number.
std::optional<std::pair<std::int64_t, std::string_view>> number_and_suffix(std::string_view text) {
    text = trim(text);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p == text.data() || v < 0) return std::nullopt;
    return std::pair{v, trim(std::string_view(p, text.data() + text.size() - p))};
}

// Multiplies without overflow; nullopt when the product does not fit.
std::optional<std::int64_t> times(std::int64_t v, std::int64_t factor) {
    if (v > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
    return v * factor;
}
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    auto parts = number_and_suffix(text);
    if (!parts) return std::nullopt;
    auto [v, unit] = *parts;
    std::int64_t factor = 0;
    if (unit == "ms")
        factor = 1;
    else if (unit == "s")
        factor = 1000;
    else if (unit == "m")
        factor = 60'000;
    else if (unit == "h")
        factor = 3'600'000;
    else if (unit == "d")
        factor = 86'400'000;
    else
        return std::nullopt;
    auto ms = times(v, factor);
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds(*ms);
}

std::string format_duration(std::chrono::milliseconds d) {
    std::int64_t ms = d.count();
    struct Unit {
        std::int64_t factor;
        const char* suffix;
    };
    for (Unit u :
         {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
        if (ms != 0 && ms % u.factor == 0) return std::to_string(ms / u.factor) + u.suffix;
    }
    return ms == 0 ? "0s" : std::to_string(ms) + "ms";
}

std::optional<std::int64_t> parse_size(std::string_view text) {
    auto parts = number_and_suffix(text);
    if (!parts) return std::nullopt;
    auto [v, unit] = *parts;
    if (unit.empty()) return v;
    if (unit == "k" || unit == "K") return times(v, 1024);
    if (unit == "M") return times(v, 1024 * 1024);
    if (unit == "G") return times(v, 1024 * 1024 * 1024);
    return std::nullopt;
}

}  // namespace mxpulse::util
