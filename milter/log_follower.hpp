// Follows Postfix's log on a thread of its own: lines into the trace store and outcome counts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "pipeline/outcome.hpp"
#include "postlog/ingest.hpp"
#include "postlog/outcomes.hpp"
#include "postlog/reader.hpp"
#include "postlog/tracker.hpp"
#include "stats/counters.hpp"

namespace mxpulse::milter {

// Returns the file beside the state file where the log position is kept ("" when none).
std::string position_file_for(const std::string& state_file);

// Reads a saved position ({0, 0} when there is none or it is unusable).
postlog::Position load_position(const std::string& file);

// Writes a position atomically; returns "" or the error.
std::string save_position(const std::string& file, postlog::Position p);

// The log follower. Its stores live as long as the daemon; the thread runs between start() and
// stop() (or destruction).
class LogFollower {
  public:
    LogFollower(const config::Config& c, stats::Counters& counters,
                postlog::ProviderOf provider_of);
    ~LogFollower();

    // Opens the log at the saved position (or its end) and starts the thread. An unreadable log
    // is logged (postfix_log.error) and tried again every second; the milter goes on.
    void start(postlog::Position saved);

    // Stops the thread (idempotent).
    void stop();

    // Returns the position after the last line taken.
    postlog::Position position() const;

    postlog::Tracker& tracker() { return tracker_; }
    postlog::Outcomes& outcomes() { return outcomes_; }

    // Records what the milter saw of a message (its queue id, direction, Message-ID, auth).
    void milter_saw(const pipeline::Outcome& out, std::int64_t now);

    // Returns what the follower has done: path, error, lines by kind, position.
    nlohmann::json status() const;

  private:
    // One poll: read up to the per-second bound, count and log bounds, rotation and errors.
    void poll_once();

    // Logs a reader error once per distinct error; "" marks it fixed.
    void note_error(const std::string& error);

    // The thread's loop, with the exception barrier.
    void run();

    std::string path_;
    std::string kind_;
    std::size_t max_line_;
    std::size_t max_rate_;
    stats::Counters& counters_;
    postlog::Tracker tracker_;
    postlog::Outcomes outcomes_;
    postlog::Ingest ingest_;
    postlog::Reader reader_;
    std::uint64_t evictions_seen_ = 0;
    mutable std::mutex mutex_;  // guards position_ and error_
    postlog::Position position_;
    std::string error_;
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mxpulse::milter
