// Finding SMTP reply codes and RFC 3463 enhanced status codes in free text.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::dsn {

// Returns the first enhanced status code (e.g. "5.1.1") in text at or after from, or "".
std::string find_status(std::string_view text, std::size_t from = 0, std::size_t* at = nullptr);

// Returns the first SMTP reply code (e.g. "550") in text at or after from, or "".
std::string find_reply_code(std::string_view text, std::size_t from = 0, std::size_t* at = nullptr);

// Returns a status code normalised (leading "#" or trailing punctuation removed) or "" if invalid.
std::string normalise_status(std::string_view value);

}  // namespace mxpulse::dsn
