// Cause chains of expired messages: the last transient error behind an expiry, and pattern tags.
#pragma once

#include <string_view>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// Returns true when the recipient's final verdict is an expiry (5.4.x, 4.4.7, "Message expired").
bool is_expiry(const Recipient& r);

// Fills remote_mta and remote_ip from Microsoft's "[LastAttemptedServerName=...]" and
// "[LastAttemptedIP=...:25]" blocks (diagnostic first, then history) where they are empty.
void find_endpoint(Recipient& r, std::string_view history);

// Fills the cause of a recipient, looking at its diagnostic first and then at history (e.g.
// Exchange's administrator lines): a chained diagnostic ("550 5.4.300 ... -> 451 4.4.397 ... ->
// 421 4.4.2 ...", "->" or "→") gives cause_chain (outermost first) and its rightmost link as the
// cause; otherwise an expiry's first transient error is the cause. Winsock numbers and
// "[Message=...]" are named in cause_text. Also fills remote endpoint, attempts and the
// m365-socketerror pattern (an expiry or a 4.4.7 delay whose root cause is a SocketError drop).
void find_cause(Recipient& r, std::string_view history);

}  // namespace mxpulse::dsn
