// The DKIM-Signature header field (RFC 6376 3.5) read with the shared tag-list parser.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::auth {

// What mxpulse itself reads from one DKIM-Signature value before libopendkim verifies it.
struct DkimSignatureHeader {
    std::string domain;     // d=
    std::string selector;   // s=
    std::string algorithm;  // a=
    std::string error;      // why the header is not a DKIM-Signature (empty when it is one)
};

// Parses VALUE (everything after the colon): a valid RFC 6376 3.2 tag-list carrying the required
// tags v=1, a, b, bh, d, h and s (3.5). Anything else is an error, and RFC 6376 6.1 says to
// ignore that one signature (PERMFAIL) and go on with the others. d=, s= and a= are filled in
// whenever the tag-list parsed, so that a report can name the broken signature.
DkimSignatureHeader parse_dkim_signature(std::string_view value);

}  // namespace mxpulse::auth
