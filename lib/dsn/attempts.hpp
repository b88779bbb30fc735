// The attempt timeline of an Exchange NDR ("Diagnostic information for administrators").
#pragma once

#include <string_view>
#include <vector>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// Returns the administrators' section of an Exchange NDR (English, German, Spanish, Portuguese
// or French heading), at most 8 KiB of it, or "" when the text has none.
std::string_view history_section(std::string_view text);

// Returns the delivery attempts the section lists, in its order (newest first): each line
// "<date> <time> - <prose> <server> (<ip>) <prose> '<reply>'". Dates are read month first in
// English sections and day first in the others (or whenever the first number exceeds 12);
// the times, which Exchange Online writes in UTC, are returned as ISO 8601 with "Z".
std::vector<Attempt> read_attempts(std::string_view section);

}  // namespace mxpulse::dsn
