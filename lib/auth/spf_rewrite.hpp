// Rewrites a well-formed SPF record into an equivalent one that libspf2 1.2.10 evaluates as
// RFC 7208 says, where libspf2 itself deviates.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::auth {

// Returns RECORD with the corrections below, or RECORD unchanged when it has a syntax error
// (that is a permerror either way):
//  - unknown modifiers are dropped (RFC 7208 6: they MUST be ignored; libspf2 refuses names
//    with '-' or '.'),
//  - redirect= is dropped when the record has an "all" mechanism (RFC 7208 6.1: it is then never
//    used; libspf2 follows it anyway),
//  - ip4:ADDR/0 becomes ip4:0.0.0.0/1 ip4:128.0.0.0/1 and ip6:ADDR/0 becomes ip6:::/1
//    ip6:8000::/1 with the same qualifier (RFC 7208 5.6 allows /0; libspf2 rejects it).
std::string spf_record_for_libspf2(std::string_view record);

}  // namespace mxpulse::auth
