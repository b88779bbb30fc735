// Rendering one event as a logfmt (kv) or JSON line.
#include "log/format.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "util/utf8.hpp"

namespace mxpulse::log {

namespace {

// Appends s as a JSON string literal; bytes that are not UTF-8 become U+FFFD (RFC 8259 8.1).
void json_string(std::string& out, std::string_view s) {
    if (!util::valid_utf8(s)) {
        std::string clean;
        util::append_utf8_replacing(clean, s);
        return json_string(out, clean);
    }
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

// Appends s as a logfmt value: bare when safe, otherwise quoted with escapes.
void kv_value(std::string& out, std::string_view s) {
    bool bare = !s.empty();
    for (unsigned char c : s)
        bare = bare && c > 0x20 && c != 0x7f && c != '"' && c != '=' && c != '\\';
    bare = bare && util::valid_utf8(s);
    if (bare) {
        out += s;
        return;
    }
    json_string(out, s);
}

// Appends one key and value in the chosen format.
void append(std::string& out, Format f, std::string_view key, const Field& field) {
    bool first = out.size() <= 1;
    if (f == Format::kv) {
        if (!first) out += ' ';
        out += key;
        out += '=';
        if (auto* s = std::get_if<std::string_view>(&field.value))
            kv_value(out, *s);
        else
            out += value_text(field);
        return;
    }
    if (!first) out += ',';
    json_string(out, key);
    out += ':';
    if (auto* s = std::get_if<std::string_view>(&field.value))
        json_string(out, *s);
    else
        out += value_text(field);
}

}  // namespace

std::string value_text(const Field& field) {
    if (auto* s = std::get_if<std::string_view>(&field.value)) return std::string(*s);
    if (auto* i = std::get_if<std::int64_t>(&field.value)) return std::to_string(*i);
    if (auto* d = std::get_if<double>(&field.value)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", std::isfinite(*d) ? *d : 0.0);
        return buf;
    }
    return std::get<bool>(field.value) ? "true" : "false";
}

std::string format_line(Format format, std::string_view timestamp, const EventSpec& event,
                        std::string_view queue_id, std::initializer_list<Field> fields) {
    std::string out = format == Format::json ? "{" : "";
    if (!timestamp.empty()) append(out, format, "ts", Field("ts", timestamp));
    append(out, format, "level", Field("level", level_name(event.level)));
    append(out, format, "event", Field("event", event.name));
    if (event.per_message)
        append(out, format, "queue_id", Field("queue_id", queue_id.empty() ? "-" : queue_id));
    for (const Field& f : fields)
        append(out, format, f.key, f);
    if (format == Format::json) out += '}';
    return out;
}

std::string timestamp_now() {
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t t = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char date[32], zone[8];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    std::strftime(zone, sizeof zone, "%z", &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s.%03d%.3s:%.2s", date, static_cast<int>(ms), zone, zone + 3);
    return buf;
}

}  // namespace mxpulse::log
