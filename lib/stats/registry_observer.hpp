// What a registry reports of each change to its counters (the counter journal listens).
#pragma once

#include <cstdint>
#include <string_view>

#include "stats/destination.hpp"

namespace mxpulse::stats {

// Told of every counted change, on the counting thread, before the change is applied (outbound
// and bounce counts under their shard's lock). Each call must be cheap and must not throw (it runs
// on the mail path).
class RegistryObserver {
  public:
    virtual ~RegistryObserver() = default;
    virtual void on_outbound(std::string_view domain, std::string_view provider,
                             std::uint32_t rcpts, std::int64_t now) noexcept = 0;
    // sent_at: the send time its original was matched to (0: unmatched), as record_bounce().
    virtual void on_bounce(std::string_view domain, std::string_view provider, const BounceEvent& e,
                           std::int64_t now, std::int64_t sent_at) noexcept = 0;
    virtual void on_set_provider(std::string_view domain, std::string_view provider) noexcept = 0;
    virtual void on_reset(std::string_view name) noexcept = 0;
};

}  // namespace mxpulse::stats
