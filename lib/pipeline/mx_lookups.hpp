// Background MX lookups that teach the provider map which mail host serves a destination.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "dns/resolver.hpp"
#include "pipeline/state.hpp"

namespace mxpulse::pipeline {

// Resolves MX records off the milter threads, one queue, one worker, bounded.
class MxLookups final : public MxRequests {
  public:
    // learned(domain, primary mail host, seconds the answer may be kept) is called from the worker.
    using Learned = std::function<void(const std::string&, const std::string&, std::uint32_t)>;

    MxLookups(const dns::Resolver& resolver, Learned learned, std::size_t max_queue = 1000);
    ~MxLookups();
    MxLookups(const MxLookups&) = delete;
    MxLookups& operator=(const MxLookups&) = delete;

    // Queues a lookup unless one is queued or was tried in the last 5 minutes; false when the queue
    // is full.
    bool request(std::string_view domain, std::int64_t now) override;

  private:
    // Takes domains off the queue and resolves them until stopped.
    void run() noexcept;

    // Resolves one domain and reports what it learned.
    // Waits for a domain and resolves it; false once stopped.
    bool serve_one();
    void resolve(const std::string& domain);

    const dns::Resolver& resolver_;
    Learned learned_;
    std::size_t max_queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::unordered_map<std::string, std::int64_t> tried_;  // domain -> last attempt, bounded
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace mxpulse::pipeline
