// Conversion of text in a declared charset to UTF-8 (glibc iconv).
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::mime {

// Converts text from charset to UTF-8; unknown charsets and bad bytes are replaced, ok=false.
std::string to_utf8(std::string_view text, std::string_view charset, bool& ok);

}  // namespace mxpulse::mime
