// The process-wide log output over spdlog.
#include "log/logger.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "log/journal.hpp"

namespace mxpulse::log {

namespace {

// The current output, copied under the mutex so that a reconfigure never frees a logger in use.
struct Output {
    std::shared_ptr<spdlog::logger> logger;
    Format format = Format::kv;
    Level level = Level::info;
    bool timestamps = true;
    bool journal = false;  // stderr is the journal stream: lines start with "<N>"
};

std::mutex g_mutex;
Output g_output;
FloodGate g_flood;

// Maps a level name from the configuration to a Level.
Level parse_level(std::string_view s) {
    for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error}) {
        if (level_name(l) == s) return l;
    }
    return Level::info;
}

// Maps a Level to spdlog's, which the syslog sink turns into a priority.
spdlog::level::level_enum to_spdlog(Level l) {
    switch (l) {
        case Level::trace:
            return spdlog::level::trace;
        case Level::debug:
            return spdlog::level::debug;
        case Level::info:
            return spdlog::level::info;
        case Level::warn:
            return spdlog::level::warn;
        case Level::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

// Maps a facility name from the configuration to its syslog constant.
int facility_of(std::string_view f) {
    if (f == "daemon") return LOG_DAEMON;
    if (f.size() == 6 && f.starts_with("local") && f[5] >= '0' && f[5] <= '7')
        return LOG_LOCAL0 + (f[5] - '0') * 8;
    return LOG_MAIL;
}

// Returns a copy of the current output, creating a stderr one on first use.
Output current() {
    std::lock_guard lock(g_mutex);
    if (!g_output.logger) {
        g_output.logger = std::make_shared<spdlog::logger>(
            "mxpulse", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        g_output.logger->set_pattern("%v");
        g_output.logger->set_level(spdlog::level::trace);
        g_output.journal = stderr_is_journal();
    }
    return g_output;
}

// Returns milliseconds of the monotonic clock: flood intervals do not jump with the wall clock.
std::int64_t monotonic_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Returns the value of the event's flood key among the fields (empty for "*" or when absent).
std::string flood_value(const EventSpec& event, std::initializer_list<Field> fields) {
    if (event.flood_key == "*") return {};
    for (const Field& f : fields) {
        if (f.key == event.flood_key) return value_text(f);
    }
    return {};
}

// Formats and writes one line.
void write_line(const Output& out, const EventSpec& event, std::string_view queue_id,
                std::initializer_list<Field> fields) {
    std::string line =
        format_line(out.format, out.timestamps ? timestamp_now() : "", event, queue_id, fields);
    if (out.journal) line.insert(0, journal_prefix(event.level));
    out.logger->log(to_spdlog(event.level), line);
    if (event.level >= Level::warn) out.logger->flush();
}

// Writes the summary of one flood-control interval.
void write_summary(const Output& out, const Suppressed& s) {
    if (events::log_suppressed.level < out.level) return;
    write_line(out, events::log_suppressed, {},
               {Field("limited", s.event), Field("key", s.key), Field("value", s.value),
                Field("suppressed", static_cast<std::int64_t>(s.suppressed)),
                Field("written", static_cast<std::int64_t>(s.written)),
                Field("interval_s", static_cast<std::int64_t>(s.interval_ms / 1000))});
}

// Writes one event if its level passes and flood control lets it through.
void write(const EventSpec& event, std::string_view queue_id, std::initializer_list<Field> fields) {
    Output out = current();
    if (event.level < out.level) return;
    if (!event.flood_key.empty()) {
        std::vector<Suppressed> ended;
        bool pass = g_flood.admit(event.name, event.flood_key, flood_value(event, fields),
                                  monotonic_ms(), ended);
        for (const Suppressed& s : ended)
            write_summary(out, s);
        if (!pass) return;
    }
    write_line(out, event, queue_id, fields);
}

}  // namespace

std::string configure(const Settings& s) {
    Output next;
    try {
        if (s.sink == "syslog") {
            next.logger = std::make_shared<spdlog::logger>(
                "mxpulse", std::make_shared<spdlog::sinks::syslog_sink_mt>(
                               "mxpulse", LOG_PID, facility_of(s.facility), false));
            next.timestamps = false;  // syslog stamps lines itself
        } else if (s.sink == "file") {
            next.logger = std::make_shared<spdlog::logger>(
                "mxpulse", std::make_shared<spdlog::sinks::basic_file_sink_mt>(s.file, false));
            next.logger->flush_on(spdlog::level::trace);  // whole lines, at once, for tail -f
        } else {
            next.logger = std::make_shared<spdlog::logger>(
                "mxpulse", std::make_shared<spdlog::sinks::stderr_sink_mt>());
            // Under systemd journald reads the priority from the prefix; elsewhere (a terminal,
            // a pipe, a wrapper's redirect) lines stay as they are.
            next.journal = stderr_is_journal();
        }
    } catch (const std::exception& e) {
        return "log.file " + s.file + ": " + e.what();
    }
    next.logger->set_pattern("%v");
    next.logger->set_level(spdlog::level::trace);
    next.format = s.format == "json" ? Format::json : Format::kv;
    next.level = parse_level(s.level);
    g_flood.set_limits(s.flood);
    std::lock_guard lock(g_mutex);
    g_output = std::move(next);
    return {};
}

void emit(const EventSpec& event, std::initializer_list<Field> fields) {
    write(event, {}, fields);
}

void emit_message(const EventSpec& event, std::string_view queue_id,
                  std::initializer_list<Field> fields) {
    write(event, queue_id, fields);
}

void flush_suppressed(bool everything) {
    Output out = current();
    for (const Suppressed& s : g_flood.expire(monotonic_ms(), everything))
        write_summary(out, s);
}

std::map<std::string, std::uint64_t> suppressed_totals() {
    return g_flood.suppressed_totals();
}

void flush() {
    current().logger->flush();
}

}  // namespace mxpulse::log
