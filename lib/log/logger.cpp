// The process-wide log output over spdlog.
#include "log/logger.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <memory>
#include <mutex>

namespace mxpulse::log {

namespace {

// The current output, copied under the mutex so that a reconfigure never frees a logger in use.
struct Output {
    std::shared_ptr<spdlog::logger> logger;
    Format format = Format::kv;
    Level level = Level::info;
    bool timestamps = true;
};

std::mutex g_mutex;
Output g_output;

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
    }
    return g_output;
}

// Writes one event if its level passes.
void write(const EventSpec& event, std::string_view queue_id, std::initializer_list<Field> fields) {
    Output out = current();
    if (event.level < out.level) return;
    std::string line =
        format_line(out.format, out.timestamps ? timestamp_now() : "", event, queue_id, fields);
    out.logger->log(to_spdlog(event.level), line);
    if (event.level >= Level::warn) out.logger->flush();
}

}  // namespace

void configure(const Settings& s) {
    Output next;
    if (s.sink == "syslog") {
        next.logger = std::make_shared<spdlog::logger>(
            "mxpulse", std::make_shared<spdlog::sinks::syslog_sink_mt>(
                           "mxpulse", LOG_PID, facility_of(s.facility), false));
        next.timestamps = false;  // syslog stamps lines itself
    } else {
        next.logger = std::make_shared<spdlog::logger>(
            "mxpulse", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    }
    next.logger->set_pattern("%v");
    next.logger->set_level(spdlog::level::trace);
    next.format = s.format == "json" ? Format::json : Format::kv;
    next.level = parse_level(s.level);
    std::lock_guard lock(g_mutex);
    g_output = std::move(next);
}

void emit(const EventSpec& event, std::initializer_list<Field> fields) {
    write(event, {}, fields);
}

void emit_message(const EventSpec& event, std::string_view queue_id,
                  std::initializer_list<Field> fields) {
    write(event, queue_id, fields);
}

void flush() {
    current().logger->flush();
}

}  // namespace mxpulse::log
