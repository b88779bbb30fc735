// The current configuration, swapped whole on reload.
#include "config/holder.hpp"

#include <ctime>

namespace mxpulse::config {

std::shared_ptr<const Config> Holder::get() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void Holder::set(std::shared_ptr<const Config> c) {
    std::lock_guard lock(mutex_);
    current_ = std::move(c);
    loaded_at_ = std::time(nullptr);
}

std::int64_t Holder::loaded_at() const {
    std::lock_guard lock(mutex_);
    return loaded_at_;
}

}  // namespace mxpulse::config
