// Strict RFC 7208 syntax check of an SPF record (section 12 ABNF), used beside libspf2.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::auth {

// True when TEXT is an SPF version 1 record ("v=spf1" then a space or the end).
bool is_spf_record(std::string_view text);

// The first RFC 7208 syntax error in RECORD, or nullopt when it is well formed.
std::optional<std::string> spf_syntax_error(std::string_view record);

}  // namespace mxpulse::auth
