// UTF-8 (RFC 3629) checks for text that leaves mxpulse in formats that demand it: JSON log
// lines and Prometheus label values. Bytes from bounces and headers are not always UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mxpulse::util {

// Returns the length of the well-formed UTF-8 sequence at the start of S (1 to 4), or 0 when
// S is empty or starts with an ill-formed one (overlong, surrogate, above U+10FFFF, truncated).
std::size_t utf8_sequence(std::string_view s);

// True when every byte of S belongs to a well-formed UTF-8 sequence.
bool valid_utf8(std::string_view s);

// Appends S to OUT with U+FFFD for each byte that starts no well-formed sequence.
void append_utf8_replacing(std::string& out, std::string_view s);

}  // namespace mxpulse::util
