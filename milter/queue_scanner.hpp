// Reads Postfix's queue with postqueue -j every interval on a thread of its own; keeps the last
// view.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/holder.hpp"
#include "postlog/queue_scan.hpp"
#include "postlog/queue_view.hpp"
#include "stats/counters.hpp"

namespace mxpulse::milter {

// The outcome of the last scan.
struct QueueScanResult {
    std::shared_ptr<const postlog::QueueView> view;  // null before the first good scan
    postlog::QueueScanCounts counts;
    std::string error;
    std::int64_t scanned_at = 0;  // Unix time
    std::int64_t duration_ms = 0;
    std::uint64_t scans = 0;
};

// The queue scanner. The thread runs between start() and stop() (or destruction); it reads the
// [postfix_queue] section in force before each scan, so a reload changes it.
class QueueScanner {
  public:
    QueueScanner(const config::Source& config, stats::Counters& counters,
                 postlog::QueueProviderOf provider_of)
        : config_(config), counters_(counters), provider_of_(std::move(provider_of)) {}
    ~QueueScanner();

    // Starts the thread; the first scan runs at once.
    void start();

    // Stops the thread (idempotent), killing a postqueue run at its next read.
    void stop();

    // Returns the last scan's outcome.
    QueueScanResult last() const;

    // Returns the last view by domain or provider with the scan's counts; null when the queue is
    // not read ([postfix_queue] command empty).
    nlohmann::json to_json(bool by_provider) const;

  private:
    // One scan: run postqueue, count bounds hit, log a changed error, keep the view.
    void scan_once();

    // The thread's loop, with the exception barrier.
    void run();

    const config::Source& config_;
    stats::Counters& counters_;
    postlog::QueueProviderOf provider_of_;
    mutable std::mutex mutex_;  // guards last_
    QueueScanResult last_;
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mxpulse::milter
