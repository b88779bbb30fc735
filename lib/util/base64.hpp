// Strict base64 (RFC 4648) for key material: DNS key records and signature tags.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::util {

// Decodes canonical base64 (RFC 4648 4), skipping SP, HTAB, CR and LF (tag values may be folded);
// nullopt on any other foreign byte, data after padding, a length that is not a whole number of
// quanta ("QQ"), padding that does not match the length ("QQQ=="), or non-zero pad bits ("QR==",
// RFC 4648 3.5). This is the one strict decoder; MIME bodies use the tolerant one of lib/mime.
std::optional<std::string> base64_decode(std::string_view in);

// Encodes BYTES as padded base64 without line breaks.
std::string base64_encode(std::string_view bytes);

}  // namespace mxpulse::util
