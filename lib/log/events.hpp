// The event catalogue: every log line mxpulse writes is one of these, with stable name and keys.
#pragma once

#include <span>
#include <string_view>

namespace mxpulse::log {

enum class Level { trace, debug, info, warn, error };

// One kind of log event. Keys are documented here and in mxpulse(8) under LOG EVENTS.
struct EventSpec {
    std::string_view name;
    Level level;
    bool per_message;  // carries the MTA queue id as its first key
    std::string_view keys;
    std::string_view description;
    // The key whose value makes repeated events "the same" for flood control: empty means the
    // event is never rate-limited, "*" limits it by name alone.
    std::string_view flood_key = {};
};

namespace events {
inline constexpr EventSpec daemon_started{"daemon.started", Level::info, false,
                                          "version config milter_socket control_socket pid",
                                          "The daemon is ready to accept milter connections."};
inline constexpr EventSpec daemon_stopping{
    "daemon.stopping", Level::info, false, "in_flight",
    "A stop was requested; messages in flight are finished first."};
inline constexpr EventSpec daemon_stopped{"daemon.stopped", Level::info, false,
                                          "uptime_s messages abandoned_sessions",
                                          "The daemon has stopped."};
inline constexpr EventSpec daemon_error{"daemon.error", Level::error, false, "what error",
                                        "A start-up or run-time step failed."};
inline constexpr EventSpec config_loaded{"config.loaded", Level::info, false,
                                         "config reason restart_needed",
                                         "A configuration was loaded and is now in force."};
inline constexpr EventSpec config_rejected{
    "config.rejected", Level::error, false, "config error",
    "A configuration was refused; the previous one stays in force."};
inline constexpr EventSpec message_seen{
    "message.seen",
    Level::info,
    true,
    "queue_id direction size sender rcpt_count rcpt_domains message_id client bounce_recipients",
    "One line per message at end of data, with its direction.",
    "direction"};
inline constexpr EventSpec bounce_tagged{
    "bounce.tagged",
    Level::info,
    true,
    "queue_id domain provider action status reason family cause patterns remote_mta recipient "
    "original_message_id time_to_bounce_s duplicate",
    "One line per failed or delayed recipient of a returning bounce, as counted and tagged; "
    "duplicate=true when the same bounce (original or NDR Message-ID, recipient, status) was "
    "counted within stats.duplicate_window, and so is not counted again.",
    "domain"};
inline constexpr EventSpec bounce_action{
    "bounce.action",
    Level::info,
    true,
    "queue_id action matched",
    "A configured action (subject, copy, quarantine) was applied to a bounce.",
    "action"};
inline constexpr EventSpec outbound_auth{
    "outbound.auth",
    Level::info,
    true,
    "queue_id sender_domain from_domain spf spf_domain dkim dkim_signatures dmarc policy "
    "spf_aligned dkim_aligned "
    "action elapsed_ms",
    "The SPF, DKIM and DMARC verdict of one outbound message, and the action taken. "
    "dkim_signatures lists RESULT:d=DOMAIN:s=SELECTOR per signature, ending in :domainkeys for "
    "a historic DomainKey-Signature (not part of dkim or DMARC).",
    "sender_domain"};
inline constexpr EventSpec alert_raised{
    "alert.raised", Level::warn, false, "rule key metric window value threshold events severity",
    "An alert rule started firing for a scope key (logged once)."};
inline constexpr EventSpec alert_cleared{
    "alert.cleared", Level::info, false, "rule key metric window value threshold events severity",
    "A firing alert rule stopped for a scope key (logged once)."};
inline constexpr EventSpec limit_hit{
    "limit.hit",
    Level::warn,
    true,
    "queue_id limit value",
    "A configured bound was reached; what lies beyond it is not analysed.",
    "limit"};
inline constexpr EventSpec postfix_log_following{
    "postfix_log.following", Level::info, false, "path kind inode offset",
    "Postfix's log is followed from this position (the saved one, or its end on the first run)."};
inline constexpr EventSpec postfix_log_error{
    "postfix_log.error",
    Level::error,
    false,
    "path error",
    "Postfix's log cannot be opened or read (missing, or not readable by daemon.user); the milter "
    "goes on without delivery attempts and the file is tried again every second.",
    "path"};
inline constexpr EventSpec postfix_queue_error{
    "postfix_queue.error",
    Level::error,
    false,
    "command error",
    "postqueue -j could not be run, failed or timed out (logged when the error changes); the "
    "queue view keeps the last good scan and the milter goes on.",
    "command"};
inline constexpr EventSpec postfix_log_rotated{
    "postfix_log.rotated", Level::info, false, "path how",
    "Postfix's log was rotated (a new file at the path: the old one was read to its end first) "
    "or truncated (read again from its start)."};
inline constexpr EventSpec milter_failure{
    "milter.failure",
    Level::error,
    true,
    "queue_id stage error action",
    "An internal error while handling a message; the failure action "
    "was applied.",
    "stage"};
inline constexpr EventSpec snapshot_written{"snapshot.written", Level::debug, false,
                                            "file destinations duration_ms",
                                            "The counters were saved to the state file."};
inline constexpr EventSpec snapshot_failed{
    "snapshot.failed", Level::error, false, "file error",
    "The counters could not be saved; the next attempt follows."};
inline constexpr EventSpec state_restored{
    "state.restored", Level::info, false, "file outcome destinations detail",
    "The state file was read at start: loaded, missing, set_aside (unusable, renamed to "
    "the detail's path) or unusable (unusable and the rename failed: ignored)."};
inline constexpr EventSpec journal_replayed{
    "journal.replayed", Level::info, false, "file segments records held damaged",
    "The counter journal beside the state file was applied after the snapshot at start: records "
    "changes applied, held those skipped because the snapshot already holds them (counted during "
    "the snapshot); damaged names a damaged tail that was ignored (the counts before it were "
    "applied)."};
inline constexpr EventSpec journal_failed{
    "journal.failed", Level::error, false, "file error",
    "The counter journal could not be opened: counts since the last snapshot are lost on a hard "
    "kill until a restart."};
inline constexpr EventSpec alerts_restored{
    "alerts.restored", Level::info, false, "file outcome alerts detail",
    "The alert file beside the state file was read at start: the alerts firing before the "
    "restart are firing again without a new alert.raised (loaded), or the file was missing, set "
    "aside as damaged, or unusable."};
inline constexpr EventSpec control_denied{"control.denied",
                                          Level::warn,
                                          false,
                                          "uid gid command reason",
                                          "A control-socket request was refused.",
                                          "uid"};
inline constexpr EventSpec control_error{
    "control.error",
    Level::warn,
    false,
    "error",
    "A control-socket connection failed or sent a malformed request.",
    "*"};
inline constexpr EventSpec dns_timeout{
    "dns.timeout",
    Level::warn,
    true,
    "queue_id qname qtype timeout_ms",
    "A DNS lookup got no answer within dns.timeout; the check it served is temperror.",
    "qtype"};
inline constexpr EventSpec exception_stopped{
    "exception.stopped",
    Level::error,
    true,
    "queue_id site error",
    "An exception stopped at a C entry point (a DNS hook of libspf2 or libopendkim, a libunbound "
    "callback, a thread); what it served failed safely (a DNS hook: temperror).",
    "site"};
inline constexpr EventSpec log_suppressed{
    "log.suppressed", Level::warn, false, "limited key value suppressed written interval_s",
    "Flood control held back lines of one event and key value in an interval (the summary)."};
}  // namespace events

// Returns every event in the catalogue.
std::span<const EventSpec* const> catalogue();

// Returns the level's name as written in log lines and the config ("info").
std::string_view level_name(Level l);

}  // namespace mxpulse::log
