// Cause chains of expired messages: the last transient error behind an expiry, and pattern tags.
#pragma once

#include <string_view>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// Returns true when the recipient's final verdict is an expiry (5.4.x, 4.4.7, "Message expired").
bool is_expiry(const Recipient& r);

// Fills cause_status, cause_reply_code, cause_text and patterns of an expired recipient, looking
// at its diagnostic first and then at history (e.g. Exchange's administrator lines).
void find_cause(Recipient& r, std::string_view history);

}  // namespace mxpulse::dsn
