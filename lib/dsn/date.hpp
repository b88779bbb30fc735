// RFC 5322 date-times converted to ISO 8601 with a numeric offset.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::dsn {

// Returns "YYYY-MM-DDTHH:MM:SS+hh:mm" for an RFC 5322 date (lenient), or "" when unparsable.
std::string to_iso8601(std::string_view rfc5322);

}  // namespace mxpulse::dsn
