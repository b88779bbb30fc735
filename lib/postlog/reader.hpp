// Reads the new complete lines of a growing log file, across rotation and truncation, bounded.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mxpulse::postlog {

// Where reading stands: the file (by inode) and the offset of the next unread byte.
struct Position {
    std::uint64_t inode = 0;  // 0: none saved
    std::uint64_t offset = 0;
};

// What one poll did.
struct PollResult {
    std::size_t lines = 0;      // complete lines handed over
    std::size_t too_long = 0;   // lines longer than the bound, skipped whole
    bool rate_limited = false;  // stopped at max_lines with more to read
    bool rotated = false;       // the path now names another file; the old one was finished
    bool truncated = false;     // the file shrank below the offset; read again from 0
    std::string error;          // the file could not be opened or read ("" when fine)
};

// Follows one log file. Not thread-safe: one thread polls it.
class Reader {
  public:
    // max_line: longest line handed over (longer ones are skipped and counted).
    Reader(std::string path, std::size_t max_line);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // Opens the file: at saved when it names the same inode (and the file is not shorter), at
    // offset 0 of a file that replaced the saved one, at its end when nothing was saved. Returns
    // "" or the error (the reader keeps trying on each poll).
    std::string open(Position saved);

    // Hands each new complete line (without its newline) to f, at most max_lines of them.
    PollResult poll(std::size_t max_lines, const std::function<void(std::string_view)>& f);

    // Returns the position after the last line handed over.
    Position position() const { return {inode_, offset_}; }

    const std::string& path() const { return path_; }

  private:
    // Opens path_ at offset; returns "" or the error.
    std::string reopen(std::uint64_t offset);

    // Reads lines from the open file into f; returns false on a read error.
    bool drain(std::size_t max_lines, const std::function<void(std::string_view)>& f,
               PollResult& r);

    // Checks for rotation and truncation before reading; returns false when nothing is open.
    bool check_file(PollResult& r);

    std::string path_;
    std::size_t max_line_;
    int fd_ = -1;
    std::uint64_t inode_ = 0;
    std::uint64_t offset_ = 0;    // of the first byte not yet handed over (start of partial_)
    std::string partial_;         // bytes read past offset_ without a newline yet
    bool skipping_ = false;       // inside a line longer than the bound
    bool pending_start_ = false;  // open() failed: where to start once the file appears
    Position saved_;
};

}  // namespace mxpulse::postlog
