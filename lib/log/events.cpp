// The event catalogue: the list that documentation and tests are checked against.
#include "log/events.hpp"

#include <array>

namespace mxpulse::log {

namespace {
constexpr std::array<const EventSpec*, 29> kCatalogue{
    &events::daemon_started,    &events::daemon_stopping,     &events::daemon_stopped,
    &events::daemon_error,      &events::config_loaded,       &events::config_rejected,
    &events::message_seen,      &events::bounce_tagged,       &events::bounce_action,
    &events::outbound_auth,     &events::alert_raised,        &events::alert_cleared,
    &events::limit_hit,         &events::milter_failure,      &events::snapshot_written,
    &events::snapshot_failed,   &events::state_restored,      &events::alerts_restored,
    &events::control_denied,    &events::control_error,       &events::dns_timeout,
    &events::log_suppressed,    &events::exception_stopped,   &events::postfix_log_following,
    &events::postfix_log_error, &events::postfix_log_rotated, &events::journal_replayed,
    &events::journal_failed,    &events::postfix_queue_error,
};
}  // namespace

std::span<const EventSpec* const> catalogue() {
    return kCatalogue;
}

std::string_view level_name(Level l) {
    switch (l) {
        case Level::trace:
            return "trace";
        case Level::debug:
            return "debug";
        case Level::info:
            return "info";
        case Level::warn:
            return "warn";
        case Level::error:
            return "error";
    }
    return "info";
}

}  // namespace mxpulse::log
