// The current configuration, swapped whole on reload and read without blocking the swap.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.hpp"

namespace mxpulse::config {

// Holds the configuration in force; readers keep the snapshot they took for as long as they need
// it.
class Holder {
  public:
    // Returns the configuration in force.
    std::shared_ptr<const Config> get() const;

    // Replaces the configuration in force and stamps the load time.
    void set(std::shared_ptr<const Config> c);

    // Returns the Unix time of the last set().
    std::int64_t loaded_at() const;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Config> current_;
    std::int64_t loaded_at_ = 0;
};

}  // namespace mxpulse::config
