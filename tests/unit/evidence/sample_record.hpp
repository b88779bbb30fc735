// A kept record for the evidence unit tests: one recipient failed with the Microsoft 365 expiry
// whose root cause is a SocketError drop, as the seeds' incident has it.
#pragma once

#include <cstdint>
#include <string>

#include "evidence/record.hpp"

namespace mxpulse::evidence::testing {

// Returns a record of one failed recipient, seen at `at`, its queue id "Q<at>".
inline Record socketerror_record(const std::string& rcpt, std::int64_t at) {
    Record r;
    r.seen_at = at;
    r.queue_id = "Q" + std::to_string(at);
    KeptRecipient k;
    k.recipient = rcpt;
    k.domain = rcpt.substr(rcpt.find('@') + 1);
    k.provider = "yahoo";
    k.action = "failed";
    k.status = "5.4.300";
    k.cause_chain = {"550 5.4.300 Message expired",
                     "421 4.4.2 Connection dropped due to SocketError"};
    k.attempts = {{"2025-09-16T02:03:41+00:00", "mta5.am0.yahoodns.net", "198.51.100.45",
                   "421 4.4.2 Connection dropped due to SocketError"}};
    r.recipients.push_back(k);
    return r;
}

}  // namespace mxpulse::evidence::testing
