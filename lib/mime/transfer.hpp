// Content-Transfer-Encoding decoders: base64 and quoted-printable, both tolerant.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::mime {

// Decodes base64, skipping foreign bytes; sets broken when the input was malformed.
std::string decode_base64(std::string_view in, bool& broken);

// Decodes quoted-printable (soft line breaks joined); invalid escapes are kept as is.
std::string decode_quoted_printable(std::string_view in);

// Decodes the "Q" encoding of RFC 2047 (underscore is a space).
std::string decode_q_word(std::string_view in);

}  // namespace mxpulse::mime
