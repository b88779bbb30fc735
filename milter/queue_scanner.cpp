// Reads Postfix's queue with postqueue -j every interval on a thread of its own; keeps the last
// view.
#include "queue_scanner.hpp"

#include <chrono>
#include <ctime>

#include "evidence/bundle.hpp"
#include "log/logger.hpp"
#include "postqueue_run.hpp"

namespace mxpulse::milter {

QueueScanner::~QueueScanner() {
    stop();
}

void QueueScanner::start() {
    thread_ = std::thread([this] { run(); });
}

void QueueScanner::stop() {
    {
        std::lock_guard lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

QueueScanResult QueueScanner::last() const {
    std::lock_guard lock(mutex_);
    return last_;
}

// Counts and logs one bound of the scanner.
static void hit(stats::Counters& counters, stats::Limit l, std::int64_t value) {
    counters.count_limit(l);
    log::emit_message(log::events::limit_hit, "",
                      {log::Field("limit", stats::limit_name(l)), log::Field("value", value)});
}

void QueueScanner::scan_once() {
    auto cfg = config_.get();
    if (cfg->postfix_queue_command.empty()) return;
    std::int64_t now = std::time(nullptr);
    auto view = std::make_shared<postlog::QueueView>(
        static_cast<std::size_t>(cfg->max_destinations), now, provider_of_);
    postlog::QueueScanLimits limits{static_cast<std::size_t>(cfg->postfix_queue_max_line),
                                    static_cast<std::size_t>(cfg->postfix_queue_max_messages),
                                    1000};
    postlog::QueueScan scan(limits, *view);
    auto start = std::chrono::steady_clock::now();
    PostqueueRun r = run_postqueue(cfg->postfix_queue_command, cfg->postfix_queue_config_dir,
                                   cfg->postfix_queue_timeout, scan);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    const postlog::QueueScanCounts& c = scan.counts();
    if (c.too_long > 0)
        hit(counters_, stats::Limit::postfix_queue_line, cfg->postfix_queue_max_line);
    if (c.truncated || r.timed_out)
        hit(counters_, stats::Limit::postfix_queue_messages, cfg->postfix_queue_max_messages);
    std::string previous;
    {
        std::lock_guard lock(mutex_);
        previous = last_.error;
        if (r.error.empty() || c.messages > 0) last_.view = view;
        last_.counts = c;
        last_.counts.truncated = c.truncated || r.timed_out;
        last_.error = r.error;
        last_.scanned_at = now;
        last_.duration_ms = static_cast<std::int64_t>(ms);
        ++last_.scans;
    }
    if (r.error != previous && !r.error.empty())
        log::emit(
            log::events::postfix_queue_error,
            {log::Field("command", cfg->postfix_queue_command), log::Field("error", r.error)});
}

void QueueScanner::run() {
    for (;;) {
        try {
            scan_once();
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            last_.error = std::string("internal: ") + e.what();
        } catch (...) {
            std::lock_guard lock(mutex_);
            last_.error = "internal: unknown exception";
        }
        auto interval = config_.get()->postfix_queue_interval;
        std::unique_lock lock(wake_mutex_);
        if (wake_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
}

nlohmann::json QueueScanner::to_json(bool by_provider) const {
    if (config_.get()->postfix_queue_command.empty()) return nullptr;
    QueueScanResult r = last();
    nlohmann::json j = r.view ? r.view->to_json(by_provider)
                              : nlohmann::json{{"by", by_provider ? "provider" : "domain"},
                                               {"rows", nlohmann::json::array()}};
    if (r.view) {
        for (auto& row : j["rows"]) {
            std::int64_t t = row["oldest_arrival"].get<std::int64_t>();
            row["oldest_arrival"] = t == 0 ? std::string() : evidence::iso_time(t);
        }
    }
    j["scanned_at"] = r.scanned_at == 0 ? std::string() : evidence::iso_time(r.scanned_at);
    j["duration_ms"] = r.duration_ms;
    j["scans"] = r.scans;
    j["error"] = r.error;
    j["scan"] = r.counts.to_json();
    return j;
}

}  // namespace mxpulse::milter
