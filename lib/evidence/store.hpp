// The on-disk evidence store: every kept NDR in a file of its own, bounded in count, bytes, bytes
// per NDR and age, with an index in memory that bundles are built from.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "evidence/record.hpp"
#include "stats/limits.hpp"

namespace mxpulse::evidence {

// The store's bounds ([evidence] in the configuration).
struct StoreOptions {
    std::string directory;                           // "" = no store
    std::size_t max_count = 10'000;                  // NDRs kept
    std::uint64_t max_bytes = 256ull * 1024 * 1024;  // bytes of files kept
    std::uint64_t max_ndr_bytes = 256ull * 1024;     // bytes of one NDR's text kept
    std::int64_t retention_s = 30 * 86400;           // age beyond which an NDR is removed
    std::size_t queue_max = 1'000;                   // NDRs waiting to be written
};

// What was removed or refused for one destination domain, so a bundle can say what it lacks.
struct Lost {
    std::uint64_t recipients = 0;  // failed recipients of the NDRs removed or refused
    std::int64_t newest = 0;       // seen_at of the newest of them
};

// Called when a bound is hit, with the bound and the queue id of the NDR concerned.
using LimitSink = std::function<void(stats::Limit, const std::string& queue_id)>;
// Called when a write, a read or a damaged file needs a log line (what, file, error).
using ErrorSink =
    std::function<void(std::string_view what, const std::string& file, const std::string& error)>;

class Store {
  public:
    explicit Store(StoreOptions options, LimitSink on_limit = {}, ErrorSink on_error = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Creates the directory, reads the files kept there into the index (setting damaged ones
    // aside in damaged/) and applies the bounds at now; returns "" or the error.
    std::string open(std::int64_t now);

    // Starts the writer thread; enqueue() needs it.
    void start();

    // Hands an NDR to the writer thread without touching the disk; returns false (and counts the
    // evidence_queue limit) when the queue is full.
    bool enqueue(Record record, std::string ndr);

    // Waits until every NDR enqueued so far is written (tests, shutdown).
    void flush();

    // Writes one NDR now (the writer thread's step): the text is cut to max_ndr_bytes, the
    // original's headers are read from it, the file written and the bounds applied at now.
    bool write(Record record, std::string_view ndr, std::int64_t now);

    // Removes the NDRs older than the retention at now.
    void expire(std::int64_t now);

    // Returns the records (without text) that have a recipient for which keep() is true, oldest
    // first.
    std::vector<Record> select(const std::function<bool(const KeptRecipient&)>& keep) const;

    // Returns what was removed or refused for a destination domain since start.
    Lost lost(const std::string& domain) const;

    // Returns the NDR text kept for a record, or nullopt when its file cannot be read.
    std::optional<std::string> text(const Record& r) const;

    // Returns counts and bounds for status and bundles.
    nlohmann::json stats() const;

    const StoreOptions& options() const { return options_; }

  private:
    struct Pending {
        Record record;
        std::string ndr;
    };
    void run();
    void load_file(const std::string& name, std::int64_t now);
    void set_aside(const std::string& name, const std::string& why);
    // Why the oldest NDR is removed.
    enum class Why { count, bytes, age };
    void evict_locked(std::int64_t now);
    void remove_oldest_locked(Why why);
    void note_lost(const Record& r);

    StoreOptions options_;
    LimitSink on_limit_;
    ErrorSink on_error_;
    // The queue has a lock of its own, so that the milter path never waits for a bundle being
    // built or a file being written.
    mutable std::mutex queue_mutex_;
    std::condition_variable wake_, idle_;
    std::deque<Pending> queue_;
    bool stop_ = false;
    bool busy_ = false;
    std::uint64_t refused_ = 0;  // NDRs not kept because the queue was full
    std::thread writer_;
    // The index and its counts.
    mutable std::mutex mutex_;
    std::deque<Record> index_;  // oldest first
    std::uint64_t bytes_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t removed_[3] = {0, 0, 0};  // by count, bytes, age
    std::uint64_t write_errors_ = 0, damaged_ = 0, truncated_ = 0, written_ = 0;
    // What was lost per destination domain (the last lock taken, by either path).
    mutable std::mutex lost_mutex_;
    std::map<std::string, Lost> lost_;
};

}  // namespace mxpulse::evidence
