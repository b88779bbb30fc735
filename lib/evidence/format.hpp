// The evidence bundle as readable text (for a ticket) or CSV (one row per sample).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mxpulse::evidence {

// Returns the bundle as plain text with headed sections, ready to paste into a ticket.
std::string to_text(const nlohmann::json& bundle);

// Returns the bundle's samples as CSV with a header row (RFC 4180 quoting).
std::string to_csv(const nlohmann::json& bundle);

// Returns a CSV field, quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& value);

}  // namespace mxpulse::evidence
