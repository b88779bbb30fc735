// Deciding at end of message whether mail is outbound, a returning bounce, or other.
#pragma once

#include <string>
#include <vector>

#include "session/session.hpp"
#include "stats/counters.hpp"

namespace mxpulse::session {

// Returns true when the message looks like a delivery report (dsn::looks_like_bounce on its
// kept headers and envelope sender): a delivery-status report, or a null-sender message whose
// headers read like a bounce.
bool looks_like_bounce(const Message& m);

// Decides the direction: a bounce first (also one the MTA generated itself), then outbound by
// authenticated client, daemon name or internal network, else other.
stats::Direction classify(const Session& s, bool is_bounce);

// Returns the distinct recipient domains of a message, in first-seen order.
std::vector<std::string> recipient_domains(const Message& m);

}  // namespace mxpulse::session
