// Background MX lookups that teach the provider map which mail host serves a destination.
#include "mx_lookups.hpp"

#include <algorithm>

#include "util/barrier.hpp"

namespace mxpulse::pipeline {

namespace {
constexpr std::int64_t kRetryAfter = 300;  // seconds before a domain is looked up again
}

MxLookups::MxLookups(const dns::Resolver& resolver, Learned learned, std::size_t max_queue)
    : resolver_(resolver),
      learned_(std::move(learned)),
      max_queue_(max_queue),
      worker_([this] { run(); }) {}

MxLookups::~MxLookups() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

bool MxLookups::request(std::string_view domain_view, std::int64_t now) {
    std::string domain(domain_view);
    std::lock_guard lock(mutex_);
    auto it = tried_.find(domain);
    if (it != tried_.end() && now - it->second < kRetryAfter) return true;
    if (queue_.size() >= max_queue_) return false;
    if (tried_.size() >= max_queue_ * 16)
        tried_.clear();  // bounded; forgetting only costs a lookup
    tried_[domain] = now;
    queue_.push_back(domain);
    wake_.notify_one();
    return true;
}

void MxLookups::run() noexcept {
    // An exception costs the grouping of one domain (the barrier counts it); the worker goes on.
    while (util::barrier("mx_lookups.worker", true, [this] { return serve_one(); })) {
    }
}

bool MxLookups::serve_one() {
    std::string domain;
    {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return false;
        domain = std::move(queue_.front());
        queue_.pop_front();
    }
    resolve(domain);
    return true;
}

void MxLookups::resolve(const std::string& domain) {
    dns::Answer a = resolver_.query(domain, dns::RrType::mx);
    if (a.status == dns::Status::ok && !a.mx.empty()) {
        auto best = std::min_element(a.mx.begin(), a.mx.end(),
                                     [](auto& x, auto& y) { return x.preference < y.preference; });
        learned_(domain, best->host, std::max<std::uint32_t>(a.ttl, 60));
    } else if (a.status == dns::Status::nodata || a.status == dns::Status::nxdomain) {
        // RFC 5321 5.1: without MX records the domain itself is the mail host.
        learned_(domain, domain, std::max<std::uint32_t>(a.ttl, 300));
    }
}

}  // namespace mxpulse::pipeline
