// One line of `postqueue -j` (Postfix >= 3.1): a queued message as a JSON object, parsed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::postlog {

// One recipient of a queued message and, when Postfix has tried it, why it is still queued.
struct QueuedRecipient {
    std::string address;
    std::string delay_reason;  // "" when not tried yet
};

// One queued message.
struct QueuedMessage {
    std::string queue_name;  // maildrop, incoming, active, deferred, hold, corrupt
    std::string queue_id;
    std::string sender;
    std::int64_t arrival_time = 0;  // Unix time
    std::int64_t message_size = 0;
    std::vector<QueuedRecipient> recipients;
    std::size_t recipients_dropped = 0;  // beyond the bound given to parse_queue_line
};

// What a line was.
enum class QueueLineKind { message, malformed, too_long };

// A parsed line: the message, or why there is none.
struct QueueLine {
    QueueLineKind kind = QueueLineKind::malformed;
    QueuedMessage message;
    std::string error;  // for malformed lines
};

// Parses one line of `postqueue -j`. Lines longer than max_len are too_long (not parsed); a line
// that is not a JSON object with a string queue_id and queue_name and a recipients array is
// malformed. At most max_recipients recipients are kept; the rest are counted as dropped.
QueueLine parse_queue_line(std::string_view line, std::size_t max_len, std::size_t max_recipients);

}  // namespace mxpulse::postlog
