// The current configuration, swapped whole on reload and read without blocking the swap.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.hpp"

namespace mxpulse::config {

// Where readers find the configuration in force and when it was loaded.
class Source {
  public:
    virtual ~Source() = default;

    // Returns the configuration in force.
    virtual std::shared_ptr<const Config> get() const = 0;

    // Returns the Unix time the configuration in force was loaded.
    virtual std::int64_t loaded_at() const = 0;
};

// Holds the configuration in force; readers keep the snapshot they took for as long as they need
// it.
class Holder final : public Source {
  public:
    // Returns the configuration in force.
    std::shared_ptr<const Config> get() const override;

    // Replaces the configuration in force and stamps the load time.
    void set(std::shared_ptr<const Config> c);

    // Returns the Unix time of the last set().
    std::int64_t loaded_at() const override;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Config> current_;
    std::int64_t loaded_at_ = 0;
};

}  // namespace mxpulse::config
