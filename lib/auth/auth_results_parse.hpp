// Reader for Authentication-Results header fields (RFC 8601 2.2) found on a message.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxpulse::auth {

// One resinfo: "dkim=fail reason=... header.d=example.org".
struct AuthResultEntry {
    std::string method;                                           // lower case, without a /version
    std::string result;                                           // lower case
    std::string reason;                                           // reason= value, unquoted
    std::vector<std::pair<std::string, std::string>> properties;  // "header.d" -> "example.org"
};

// A parsed header field.
struct ParsedAuthResults {
    std::string authserv_id;
    std::vector<AuthResultEntry> results;  // empty for "none"
    std::string error;                     // empty when the value parsed
};

// Parses VALUE (everything after the colon); comments are dropped, quoted strings unquoted.
// Bounded: at most 32 results of 16 properties each; more is an error.
ParsedAuthResults parse_authentication_results(std::string_view value);

}  // namespace mxpulse::auth
