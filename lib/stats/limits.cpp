// Names of the bounds mxpulse enforces.
#include "stats/limits.hpp"

namespace mxpulse::stats {

std::string_view limit_name(Limit l) {
    static constexpr std::array<std::string_view, kLimitCount> kNames{
        "header_bytes",
        "headers",
        "recipients",
        "body_bytes",
        "macros",
        "sessions",
        "control_clients",
        "control_request_bytes",
        "mx_queue",
        "metrics_clients",
        "control_output_bytes",
        "control_request_time",
        "mime_depth",
        "mime_parts",
        "dsn_recipients",
        "evidence_queue",
        "evidence_count",
        "evidence_bytes",
        "evidence_ndr_bytes",
        "postfix_log_line",
        "postfix_log_rate",
        "postfix_log_queue_ids",
        "journal_bytes",
        "history_entries",
        "postfix_queue_line",
        "postfix_queue_messages",
    };
    auto i = static_cast<std::size_t>(l);
    return i < kNames.size() ? kNames[i] : "unknown";
}

}  // namespace mxpulse::stats
