// The process-wide log output: events are formatted and written through spdlog to stderr ("<N>"
// journal priorities when it is the journal stream), syslog or a file, with flood control.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "log/events.hpp"
#include "log/flood.hpp"
#include "log/format.hpp"

namespace mxpulse::log {

// Where and how lines are written; taken from the [log] section.
struct Settings {
    std::string sink = "stderr";  // stderr | syslog | file
    std::string format = "kv";    // kv | json
    std::string level = "info";
    std::string facility = "mail";
    std::string file;  // the file appended to when sink is file
    FloodLimits flood;
};

// Replaces the output (a file sink is opened anew, which is how a rotated file is let go).
// Returns an error and keeps the old output when the new one cannot be opened.
std::string configure(const Settings& settings);

// Writes an event that is not about one message.
void emit(const EventSpec& event, std::initializer_list<Field> fields);

// Writes an event about one message; the MTA queue id is always its first key.
void emit_message(const EventSpec& event, std::string_view queue_id,
                  std::initializer_list<Field> fields);

// Writes the log.suppressed summaries of flood-control intervals that have ended (all of them
// when everything is true, as at stop). Called on a timer.
void flush_suppressed(bool everything = false);

// Returns the lines flood control held back since start, by event name.
std::map<std::string, std::uint64_t> suppressed_totals();

// Flushes buffered lines.
void flush();

}  // namespace mxpulse::log
