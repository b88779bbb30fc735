// Alert samples from Postfix's own view: deferrals in its log and the deferred queue.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "alerts/samples.hpp"
#include "config/config.hpp"
#include "postlog/outcomes.hpp"
#include "postlog/queue_view.hpp"

namespace mxpulse::alerts {

// What Postfix's side offers; either may be null (not followed, not read yet).
struct DeliverySources {
    const postlog::Outcomes* outcomes = nullptr;  // attempts from Postfix's log
    const postlog::QueueView* queue = nullptr;    // the last postqueue -j scan
};

// Returns whether a metric is read from DeliverySources rather than the bounce registry:
// postfix_deferral_rate, queue_deferred, queue_oldest_age.
bool is_delivery_metric(std::string_view metric);

// Returns the samples of a delivery rule at now, per key of its scope (domain, provider, global):
// postfix_deferral_rate: deferred attempts / all attempts in the window (events: attempts);
// queue_deferred: deferred messages at the last scan (events: the same);
// queue_oldest_age: the oldest deferred message's age in seconds (events: deferred messages).
// Keys with nothing deferred or attempted give no sample (the engine then reads 0).
std::vector<Sample> delivery_samples(const config::AlertRule& rule, const DeliverySources& src,
                                     std::int64_t now);

}  // namespace mxpulse::alerts
