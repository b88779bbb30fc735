// Journal priorities for the stderr sink: the level-to-priority map and the journal stream test.
#include "log/journal.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace mxpulse::log {

namespace {

// Parses a whole string as an unsigned decimal number.
std::optional<unsigned long long> decimal(std::string_view s) {
    unsigned long long v = 0;
    if (s.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

int syslog_priority(Level l) {
    switch (l) {
        case Level::error:
            return 3;
        case Level::warn:
            return 4;
        case Level::info:
            return 6;
        case Level::debug:
        case Level::trace:
            return 7;
    }
    return 6;
}

std::string_view journal_prefix(Level l) {
    switch (syslog_priority(l)) {
        case 3:
            return "<3>";
        case 4:
            return "<4>";
        case 7:
            return "<7>";
        default:
            return "<6>";
    }
}

std::optional<StreamId> parse_journal_stream(std::string_view value) {
    auto colon = value.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto device = decimal(value.substr(0, colon));
    auto inode = decimal(value.substr(colon + 1));
    if (!device || !inode) return std::nullopt;
    return StreamId{*device, *inode};
}

bool fd_is_journal_stream(const char* value, int fd) {
    if (!value) return false;
    auto id = parse_journal_stream(value);
    struct stat st {};
    if (!id || fstat(fd, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == id->device &&
           static_cast<unsigned long long>(st.st_ino) == id->inode;
}

bool stderr_is_journal() {
    return fd_is_journal_stream(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
}

}  // namespace mxpulse::log
