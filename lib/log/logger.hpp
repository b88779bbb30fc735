// The process-wide log output: events are formatted and written to stderr or syslog through spdlog.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "log/events.hpp"
#include "log/format.hpp"

namespace mxpulse::log {

// Where and how lines are written; taken from the [log] section.
struct Settings {
    std::string sink = "stderr";  // stderr | syslog
    std::string format = "kv";    // kv | json
    std::string level = "info";
    std::string facility = "mail";
};

// Replaces the output; lines already being written finish on the old one.
void configure(const Settings& settings);

// Writes an event that is not about one message.
void emit(const EventSpec& event, std::initializer_list<Field> fields);

// Writes an event about one message; the MTA queue id is always its first key.
void emit_message(const EventSpec& event, std::string_view queue_id,
                  std::initializer_list<Field> fields);

// Flushes buffered lines.
void flush();

}  // namespace mxpulse::log
