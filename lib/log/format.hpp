// Rendering one event as a logfmt (kv) or JSON line.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "log/events.hpp"

namespace mxpulse::log {

enum class Format { kv, json };

// One key and its value in an event.
struct Field {
    std::string_view key;
    std::variant<std::string_view, std::int64_t, bool, double> value;

    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
    Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
    Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
    Field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
    Field(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
    Field(std::string_view k, long unsigned v) : key(k), value(static_cast<std::int64_t>(v)) {}
    Field(std::string_view k, bool v) : key(k), value(v) {}
    Field(std::string_view k, double v) : key(k), value(v) {}
};

// Returns a field's value as plain text: a string as it is, a number as written in both formats
// (a fraction with at most six significant digits, NaN and infinity as 0), a boolean as
// "true"/"false".
std::string value_text(const Field& field);

// Returns the line for an event; timestamp is written first when not empty, and a message event's
// queue id ("-" when the MTA sent none) right after the event name.
std::string format_line(Format format, std::string_view timestamp, const EventSpec& event,
                        std::string_view queue_id, std::initializer_list<Field> fields);

// Returns the local time now as ISO 8601 with milliseconds and offset
// ("2026-11-23T06:30:00.123+01:00").
std::string timestamp_now();

}  // namespace mxpulse::log
