// RFC 5322 date-times converted to ISO 8601 with a numeric offset.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::dsn {

// Returns "YYYY-MM-DDTHH:MM:SS+hh:mm" for an RFC 5322 date (lenient about order and spacing), or
// "" when it is unparsable, any field is out of range (31 February, 25:61, offset +99:99), or the
// zone is missing or unknown: an empty field is honest, an invented one is not.
std::string to_iso8601(std::string_view rfc5322);

}  // namespace mxpulse::dsn
