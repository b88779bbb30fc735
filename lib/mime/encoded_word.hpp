// RFC 2047 encoded words in header values, decoded to UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::mime {

// Returns value with every =?charset?B|Q?text?= decoded to UTF-8 (whitespace between words
// dropped).
std::string decode_encoded_words(std::string_view value);

}  // namespace mxpulse::mime
