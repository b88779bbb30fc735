// Formatter for the Authentication-Results header (RFC 8601).
#pragma once

#include <string>
#include <string_view>

#include "auth/evaluate.hpp"

namespace mxpulse::auth {

// The header value (without "Authentication-Results:") for VERDICT, folded for 78 columns.
std::string format_authentication_results(std::string_view authserv_id, const Verdict& verdict);

}  // namespace mxpulse::auth
