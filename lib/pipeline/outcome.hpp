// What the pipeline decided for one message: the edits for the MTA, the reply, and the events.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "stats/counters.hpp"
#include "stats/destination.hpp"
#include "stats/limits.hpp"

namespace mxpulse::pipeline {

// One change to the message's header.
struct HeaderEdit {
    enum class Op { add, insert_first, change };
    Op op = Op::add;
    std::string name;
    std::string value;   // without the leading space; the adapter adds what its MTA expects
    int index = 1;       // for change: the occurrence of the name (1 = first)
    std::string action;  // logged as bounce.action when applied ("" = not logged)
    std::string matched;
};

// The end-of-message reply.
struct Reply {
    enum class Kind { proceed, accept, tempfail, reject };
    Kind kind = Kind::proceed;
    std::string code;  // "451", "550": set when the pipeline words the reply itself
    std::string enhanced;
    std::string text;
};

// The events of one message, each carrying the keys of its catalogue entry in lib/log/events.
struct LimitHit {
    stats::Limit limit;
};
struct BounceTagged {
    std::string domain;
    std::string provider;
    stats::BounceEvent event;
    bool duplicate = false;  // counted before: tagged again, not counted again
};
struct OutboundAuth {
    std::string sender_domain, from_domain, spf, spf_domain, dkim, dkim_signatures, dmarc, policy;
    bool spf_aligned = false, dkim_aligned = false;
    std::string action;
    std::int64_t elapsed_ms = 0;
};
struct MessageSeen {
    stats::Direction direction = stats::Direction::other;
    std::int64_t size = 0;
    std::string sender;
    std::int64_t rcpt_count = 0;
    std::string rcpt_domains;
    std::string message_id;
    std::string client;
    std::int64_t bounce_recipients = 0;
};
using Event = std::variant<LimitHit, BounceTagged, OutboundAuth, MessageSeen>;

// Everything the adapter applies and logs for one message.
struct Outcome {
    std::string queue_id;
    stats::Direction direction = stats::Direction::other;
    std::vector<HeaderEdit> headers;
    std::vector<std::string> add_recipients;  // addresses without angle brackets
    std::string add_recipients_matched;       // what triggered the copy, for bounce.action
    std::string quarantine;                   // the reason; "" = not quarantined
    std::string quarantine_matched;
    Reply reply;
    std::vector<Event> events;
    std::vector<std::string> mx_requested;  // destination domains whose MX was asked for
};

// Writes an event to the log with the message's queue id.
void emit(const Event& event, const std::string& queue_id);

}  // namespace mxpulse::pipeline
