// The thread's current queue id.
#include "log/scope.hpp"

namespace mxpulse::log {

namespace {
thread_local std::string t_queue_id;
}

QueueIdScope::QueueIdScope(std::string_view queue_id) : previous_(std::move(t_queue_id)) {
    t_queue_id.assign(queue_id);
}

QueueIdScope::~QueueIdScope() {
    t_queue_id = std::move(previous_);
}

std::string_view current_queue_id() {
    return t_queue_id;
}

}  // namespace mxpulse::log
