// Reads the new complete lines of a growing log file, across rotation and truncation, bounded.
#include "postlog/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mxpulse::postlog {

namespace {
constexpr std::size_t kChunk = 64 * 1024;
}  // namespace

Reader::Reader(std::string path, std::size_t max_line)
    : path_(std::move(path)), max_line_(max_line) {}

Reader::~Reader() {
    if (fd_ >= 0) ::close(fd_);
}

std::string Reader::reopen(std::uint64_t offset) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return path_ + ": " + std::strerror(errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        std::string e = path_ + ": " + std::strerror(errno);
        ::close(fd);
        return e;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    inode_ = static_cast<std::uint64_t>(st.st_ino);
    offset_ = offset;
    partial_.clear();
    skipping_ = false;
    return {};
}

std::string Reader::open(Position saved) {
    struct stat st {};
    saved_ = saved;
    if (::stat(path_.c_str(), &st) != 0 || ::access(path_.c_str(), R_OK) != 0) {
        pending_start_ = true;
        return path_ + ": " + std::strerror(errno);
    }
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t at = size;  // nothing saved: only what is written from now on
    if (saved.inode == static_cast<std::uint64_t>(st.st_ino) && saved.offset <= size)
        at = saved.offset;
    else if (saved.inode != 0)
        at = 0;  // the saved file was rotated away while we were not running
    pending_start_ = false;
    return reopen(at);
}

bool Reader::check_file(PollResult& r) {
    if (fd_ < 0) {
        // The file was missing or unreadable at start: once it appears, all of it is new.
        Position start = saved_.inode != 0 ? saved_ : Position{1, 0};
        r.error = open(start);
        if (!r.error.empty()) return false;
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 &&
        static_cast<std::uint64_t>(st.st_size) < offset_ + partial_.size()) {
        offset_ = 0;  // truncated in place (copytruncate)
        partial_.clear();
        skipping_ = false;
        r.truncated = true;
    }
    return true;
}

bool Reader::drain(std::size_t max_lines, const std::function<void(std::string_view)>& f,
                   PollResult& r) {
    std::string chunk(kChunk, '\0');
    bool at_eof = false;
    while (r.lines < max_lines) {
        std::size_t nl = partial_.find('\n');
        if (nl == std::string::npos) {
            if (at_eof) return true;
            ssize_t n =
                ::pread(fd_, chunk.data(), kChunk, static_cast<off_t>(offset_ + partial_.size()));
            if (n < 0) {
                r.error = path_ + ": " + std::strerror(errno);
                return false;
            }
            if (n == 0) return true;
            at_eof = static_cast<std::size_t>(n) < kChunk;
            partial_.append(chunk.data(), static_cast<std::size_t>(n));
            if (partial_.find('\n') == std::string::npos && partial_.size() > max_line_) {
                offset_ += partial_.size();  // the head of an overlong line: dropped
                partial_.clear();
                skipping_ = true;
            }
            continue;
        }
        std::string_view line(partial_.data(), nl);
        if (skipping_ || line.size() > max_line_) {
            ++r.too_long;
            skipping_ = false;
        } else {
            f(line);
            ++r.lines;
        }
        offset_ += nl + 1;
        partial_.erase(0, nl + 1);
    }
    r.rate_limited = true;
    return true;
}

PollResult Reader::poll(std::size_t max_lines, const std::function<void(std::string_view)>& f) {
    PollResult r;
    if (!check_file(r)) return r;
    if (!drain(max_lines, f, r) || r.rate_limited) return r;
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) != inode_) {
        // Rotated: the old file is finished (up to its last complete line); go on with the new.
        if (std::string e = reopen(0); !e.empty()) {
            r.error = e;
            return r;
        }
        r.rotated = true;
        drain(max_lines, f, r);
    }
    return r;
}

}  // namespace mxpulse::postlog
