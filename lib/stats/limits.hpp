// The bounds mxpulse enforces; each one hit is counted under its name.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace mxpulse::stats {

enum class Limit : std::size_t {
    header_bytes,
    headers,
    recipients,
    body_bytes,
    macros,
    sessions,
    control_clients,
    control_request_bytes,
    mx_queue,
    metrics_clients,
    control_output_bytes,    // a control client's unread replies reached the high-water mark
    control_request_time,    // a control request or reply did not complete within the idle timeout
    mime_depth,              // a bounce nested deeper than the MIME depth bound
    mime_parts,              // a bounce with more MIME parts than the bound
    dsn_recipients,          // a bounce with more recipients than limits.max_recipients
    evidence_queue,          // an NDR found the evidence writer's queue full and was not kept
    evidence_count,          // the evidence store removed its oldest NDR to stay within max_count
    evidence_bytes,          // the evidence store removed its oldest NDR to stay within max_bytes
    evidence_ndr_bytes,      // an NDR's text was cut to evidence.max_ndr_bytes
    postfix_log_line,        // a Postfix log line longer than postfix_log.max_line_bytes
    postfix_log_rate,        // more Postfix log lines waiting than max_lines_per_second
    postfix_log_queue_ids,   // the trace store forgot its oldest queue id
    journal_bytes,           // the counter journal grew past its bound (a snapshot is forced)
    postfix_queue_line,      // a postqueue -j line longer than postfix_queue.max_line_bytes
    postfix_queue_messages,  // a queue scan stopped at max_messages or its timeout
    history_entries,         // a failing destination or provider left the hourly history
    count_                   // number of limits; not a limit
};

inline constexpr std::size_t kLimitCount = static_cast<std::size_t>(Limit::count_);

// Returns the limit's stable name as used in logs, status and metrics ("header_bytes").
std::string_view limit_name(Limit l);

}  // namespace mxpulse::stats
