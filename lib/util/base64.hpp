// Strict base64 (RFC 4648) for key material: DNS key records and signature tags.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::util {

// Decodes base64, skipping SP, HTAB, CR and LF (tag values may be folded); nullopt on any other
// foreign byte, data after padding, or more than two padding characters.
std::optional<std::string> base64_decode(std::string_view in);

// Encodes BYTES as padded base64 without line breaks.
std::string base64_encode(std::string_view bytes);

}  // namespace mxpulse::util
