// Conversion of text in a declared charset to UTF-8 (glibc iconv).
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::mime {

// Converts text from charset to UTF-8; unknown charsets and bad bytes are replaced, ok=false.
std::string to_utf8(std::string_view text, std::string_view charset, bool& ok);

// Converts text from charset to UTF-8 in place (no copy when it is plain ASCII or UTF-8
// already); as to_utf8 otherwise.
void convert_to_utf8(std::string& text, std::string_view charset, bool& ok);

}  // namespace mxpulse::mime
