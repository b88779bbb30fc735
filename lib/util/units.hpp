// Parsing and printing durations ("250ms", "30s", "5m", "2h", "1d") and byte sizes ("64k", "1M").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::util {

// Parses a duration with a unit suffix (ms, s, m, h, d); returns nullopt when malformed or
// negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Formats a duration in the largest unit that represents it exactly ("90s", "5m", "250ms").
std::string format_duration(std::chrono::milliseconds d);

// Parses a byte size: a plain number or one with a k, M or G suffix (powers of 1024).
std::optional<std::int64_t> parse_size(std::string_view text);

}  // namespace mxpulse::util
