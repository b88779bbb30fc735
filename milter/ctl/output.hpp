// mxpulsectl's output: tables for people, JSON for scripts.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxpulse::ctl {

// Tables fit this many columns; longer cells are cut and end in kTruncated (--json has them whole).
inline constexpr size_t kTableWidth = 100;
inline constexpr size_t kMinColumnWidth = 8;
inline constexpr const char* kTruncated = "\u2026";  // …

// Returns the number of characters (UTF-8 code points) in text.
size_t display_width(std::string_view text);

// Returns text cut to width characters, the last one being kTruncated, when it is longer.
std::string fit_width(std::string_view text, size_t width);

// Prints rows as aligned columns, the first row being the header, within kTableWidth columns
// (the widest columns are cut, their cells marked with kTruncated).
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

// Prints a JSON object as "key  value" lines, nested objects with dotted keys.
void print_fields(std::ostream& out, const nlohmann::json& object);

// Formats seconds as "3d 4h 5m 6s".
std::string format_uptime(std::int64_t seconds);

// Formats a ratio as a percentage with one decimal ("12.5%").
std::string format_percent(double ratio);

// Formats a window's or row's failure_rate ("12.5%"), or "n/a" when it has none (null: nothing
// was sent in the window, so there is no denominator).
std::string format_rate(const nlohmann::json& row);

}  // namespace mxpulse::ctl
