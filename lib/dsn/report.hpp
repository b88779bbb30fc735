// The result types of bounce parsing: per-message fields, per-recipient verdicts, original headers.
#pragma once

#include <string>
#include <vector>

#include "mime/limits.hpp"

namespace mxpulse::dsn {

// What kind of report a message is; "none" means it is not a bounce.
enum class Kind { none, dsn, vendor, feedback, autoreply };

// One delivery attempt an NDR lists ("9/16/2025 2:03:41 AM - Server at mx (ip) returned '...'").
struct Attempt {
    std::string time;    // ISO 8601 with offset
    std::string server;  // host name of the server tried
    std::string ip;      // its address, "" when not given
    std::string reply;   // the reply it returned
};

// One recipient of a bounce with its fields and classification. Empty string = unknown.
struct Recipient {
    std::string recipient;        // final recipient (original recipient when given)
    std::string final_recipient;  // as the Final-Recipient field said
    std::string action;           // failed, delayed, delivered, relayed, expanded
    std::string status;           // enhanced status code, e.g. 5.1.1
    std::string reported_status;  // the Status field as given, before the diagnostic code
    std::string reply_code;       // SMTP reply code, e.g. 550
    std::string reason;           // Sisimai vocabulary, e.g. userunknown
    std::string family;      // transport, mailbox, policy, authentication, content, system, other
    std::string remote_mta;  // host name or address of the remote MTA
    std::string remote_ip;   // address of the remote MTA when the bounce names it
    std::string diagnostic;  // diagnostic text, whitespace-folded
    std::string diagnostic_type;   // type of the Diagnostic-Code field, lower case: smtp, x-unix
    std::string last_attempt;      // ISO 8601 with offset
    std::string will_retry_until;  // ISO 8601 with offset
    std::string smtp_command;      // MAIL, RCPT, DATA, CONN, EHLO when known
    std::size_t rule_line = 0;     // line of reasons.rules whose rule decided the reason (0: none)
    std::string cause_status;      // for expiries: status of the last transient error
    std::string cause_reply_code;  // for expiries: reply code of the last transient error
    std::string cause_text;        // for expiries: text of the last transient error
    std::vector<std::string> cause_chain;  // a chained diagnostic ("a -> b -> c"), outermost first
    std::vector<Attempt> attempts;         // the NDR's delivery attempts, newest first
    std::vector<std::string> patterns;     // tags such as m365-socketerror
};

// Headers of the original message when the bounce carries them.
struct OriginalMessage {
    std::string message_id;
    std::string from;
    std::string to;
    std::string date;
    std::string subject;
    std::string authentication_results;
};

// Everything parsed from one message.
struct Report {
    bool is_bounce = false;
    Kind kind = Kind::none;
    std::string reporting_mta;
    std::string arrival_date;  // ISO 8601 with offset
    std::string received_from_mta;
    std::vector<Recipient> recipients;
    OriginalMessage original;
    std::vector<mime::LimitHit> limits_hit;
};

}  // namespace mxpulse::dsn
