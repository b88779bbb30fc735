// Journal priorities for the stderr sink: "<N>" syslog priority prefixes, written when stderr is
// the journal stream systemd gave the service (journald's SyslogLevelPrefix=, on by default).
#pragma once

#include <optional>
#include <string_view>

#include "log/events.hpp"

namespace mxpulse::log {

// Returns the syslog priority of a level: error 3 (err), warn 4 (warning), info 6, debug and
// trace 7 (debug) — the same mapping as the syslog sink.
int syslog_priority(Level l);

// Returns the "<N>" prefix journald reads as the line's priority (and strips).
std::string_view journal_prefix(Level l);

// The device and inode systemd writes in JOURNAL_STREAM ("DEVICE:INODE", decimal).
struct StreamId {
    unsigned long long device = 0;
    unsigned long long inode = 0;
};

// Parses a JOURNAL_STREAM value; nullopt when it is not two decimal numbers joined by ':'.
std::optional<StreamId> parse_journal_stream(std::string_view value);

// Returns true when value (JOURNAL_STREAM, may be null) names the file open on fd: systemd's
// documented test that fd still goes to the journal and was not redirected by a wrapper.
bool fd_is_journal_stream(const char* value, int fd);

// Returns true when this process's stderr is its journal stream (JOURNAL_STREAM and fd 2).
bool stderr_is_journal();

}  // namespace mxpulse::log
