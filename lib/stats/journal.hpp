// The counter journal: every counted change since the last snapshot, appended beside the state
// file and made durable about once a second, so that a hard kill loses about a second of counts.
//
// Counted once: a snapshot visits the registry shard by shard while mail is counted. Under each
// shard's lock it appends a mark (its id, the shard), and the journal is made durable before the
// state file is renamed into place. Replaying after a restore skips, for each shard marked by the
// restored file's id, the changes before that shard's mark: the file holds exactly those.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "stats/registry.hpp"
#include "stats/registry_observer.hpp"

namespace mxpulse::stats {

// What replaying the journal at start found.
struct JournalReplay {
    std::size_t segments = 0;  // journal files read
    std::size_t records = 0;   // changes applied to the registry
    std::size_t held = 0;      // changes skipped because the restored snapshot holds them
    std::string damaged;       // "" or where a damaged tail was found and ignored
};

// Applies the journal segments beside state_path (PATH.journal.N, in order) to registry, after the
// snapshot whose id is snapshot was restored (0: none): every change the snapshot does not hold.
// A damaged or truncated record ends its segment (said in damaged); never throws.
JournalReplay replay_journal(const std::string& state_path, Registry& registry,
                             std::uint64_t snapshot = 0) noexcept;

// How the journal is bounded and flushed.
struct JournalOptions {
    // Segments beyond this many bytes ask for a snapshot (which empties them); at twice this,
    // changes are no longer journalled until a snapshot succeeds.
    std::size_t max_bytes = 16u * 1024 * 1024;
    std::chrono::milliseconds flush_interval{1000};         // write and fsync at least this often
    std::function<void(std::size_t bytes)> on_full;         // on the flush thread: take a snapshot
    std::function<void(std::uint64_t dropped)> on_dropped;  // first change not journalled
};

// Appends changes to the current segment from a buffer its own thread writes out and fsyncs.
class Journal final : public RegistryObserver {
  public:
    // Opens a new segment beside state_path (after the ones replay_journal read); nullptr and
    // error when it cannot be created.
    static std::unique_ptr<Journal> open(const std::string& state_path, JournalOptions options,
                                         std::string& error);
    ~Journal() override;

    void on_outbound(std::string_view domain, std::string_view provider, std::uint32_t rcpts,
                     std::int64_t now) noexcept override;
    void on_bounce(std::string_view domain, std::string_view provider, const BounceEvent& e,
                   std::int64_t now, std::int64_t sent_at) noexcept override;
    void on_set_provider(std::string_view domain, std::string_view provider) noexcept override;
    void on_reset(std::string_view name) noexcept override;

    // During a snapshot, under shard's lock once it was encoded: marks where the snapshot id
    // stands in that shard's changes.
    void mark(std::uint64_t snapshot, std::size_t shard) noexcept;

    // Before a snapshot: writes what is buffered and starts a new segment; returns the number of
    // the last segment the snapshot will hold.
    std::uint64_t begin_snapshot();

    // After a snapshot was written: removes the segments up to sealed.
    void end_snapshot(std::uint64_t sealed);

    // Writes and fsyncs what is buffered now.
    void flush();

    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

  private:
    Journal(std::string state_path, JournalOptions options);
    void append(std::string_view record) noexcept;
    std::string open_segment_locked();           // io_mutex_ held
    void write_locked(const std::string& data);  // io_mutex_ held
    void run() noexcept;

    std::string path_;
    JournalOptions options_;
    std::mutex buf_mutex_;  // buffer_ and stop_
    std::condition_variable wake_;
    std::string buffer_;
    bool stop_ = false;
    std::mutex io_mutex_;  // fd_, seq_, the files
    int fd_ = -1;
    std::uint64_t seq_ = 0;
    std::atomic<std::size_t> bytes_{0};  // in segments not yet compacted, plus the buffer
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<bool> full_asked_{false};
    std::thread thread_;
};

}  // namespace mxpulse::stats
