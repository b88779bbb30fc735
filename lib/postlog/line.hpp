// Postfix log lines parsed into records: delivery attempts, qmgr from=/removed/expired, message-id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::postlog {

// What a line says.
enum class Kind {
    delivery,    // smtp/lmtp/error/local/virtual/...: QID: to=<...>, ..., status=...
    from,        // qmgr: QID: from=<...>, size=..., nrcpt=...
    expired,     // qmgr: QID: from=<...>, status=expired, returned to sender
    removed,     // qmgr: QID: removed
    message_id,  // cleanup: QID: message-id=<...>
    other,       // a Postfix line of no interest, or a line of another program
    malformed,   // a Postfix line whose delivery fields are broken
    too_long,    // longer than the bound; not parsed
};

// The delivery status Postfix logged.
enum class Status { sent, deferred, bounced, expired, none };

// Returns the status's name ("sent", "deferred", "bounced", "expired", "").
std::string_view status_name(Status s);

// One parsed line. Fields not present on the line stay empty (numbers: -1).
struct Record {
    Kind kind = Kind::other;
    std::int64_t time = 0;  // Unix time of the line (0 when the prefix has none)
    std::string host;       // the logging host
    std::string program;    // e.g. "postfix/smtp" or "postfix-out/lmtp"
    std::string service;    // the part after the last '/' ("smtp")
    std::string queue_id;
    std::string to;  // recipient, without angle brackets
    std::string orig_to;
    std::string from;        // qmgr from= (or expired), without angle brackets
    std::string message_id;  // with angle brackets as logged
    std::string relay_host;  // "none" and "local" are kept as written
    std::string relay_ip;
    int relay_port = -1;
    double delay = -1;
    double delays[4] = {-1, -1, -1, -1};  // before qmgr, in qmgr, connection setup, transmission
    std::string dsn;
    Status status = Status::none;
    std::string reply;  // the text in parentheses after the status
};

// Returns the Unix time of an RFC 3164 "Mon DD HH:MM:SS[.frac]" stamp, local time of the year
// that puts it no more than a day after now; nullopt when malformed. *used is set to its length.
std::optional<std::int64_t> parse_bsd_time(std::string_view s, std::int64_t now, std::size_t* used);

// Returns the Unix time of an ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)" stamp; nullopt
// when malformed. *used is set to its length.
std::optional<std::int64_t> parse_iso_time(std::string_view s, std::size_t* used);

// Parses one log line (without its newline). now resolves the year of RFC 3164 stamps; lines
// longer than max_len are not parsed (too_long).
Record parse_line(std::string_view line, std::int64_t now, std::size_t max_len = 8192);

}  // namespace mxpulse::postlog
