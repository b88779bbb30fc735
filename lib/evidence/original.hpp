// The original message's headers as an NDR returns them: Received chain, Microsoft 365 hops, IDs.
#pragma once

#include <string_view>

#include "evidence/record.hpp"

namespace mxpulse::evidence {

// Finds the original's header block in a raw NDR (a message/rfc822 or text/rfc822-headers part),
// parsed with the MIME parser, and returns what it says; present is false when there is none.
// reporting_mta is the NDR's Reporting-MTA, used to tell whether the bouncing server itself wrote
// the newest Received: field.
OriginalHeaders original_headers(std::string_view raw_ndr, std::string_view reporting_mta);

// Parses one unfolded Received: field value into the host that wrote it, the host it came from
// and that host's address.
Hop parse_received(std::string_view value);

// Returns true when host is a Microsoft 365 host (*.outlook.com, *.protection.outlook.com).
bool is_m365_host(std::string_view host);

}  // namespace mxpulse::evidence
