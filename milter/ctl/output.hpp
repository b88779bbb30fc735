// mxpulsectl's output: tables for people, JSON for scripts.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxpulse::ctl {

// Prints rows as aligned columns, the first row being the header.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

// Prints a JSON object as "key  value" lines, nested objects with dotted keys.
void print_fields(std::ostream& out, const nlohmann::json& object);

// Formats seconds as "3d 4h 5m 6s".
std::string format_uptime(std::int64_t seconds);

// Formats a Unix time as local ISO 8601 with offset.
std::string format_time(std::int64_t unix_time);

// Formats a ratio as a percentage with one decimal ("12.5%").
std::string format_percent(double ratio);

}  // namespace mxpulse::ctl
