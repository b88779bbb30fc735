// The queue id of the message a thread is working on, for events raised deep inside a library
// call (a DNS timeout during a DKIM key lookup) that cannot be handed the id.
#pragma once

#include <string>
#include <string_view>

namespace mxpulse::log {

// Sets the thread's current queue id for its lifetime and restores the previous one after.
class QueueIdScope {
  public:
    explicit QueueIdScope(std::string_view queue_id);
    ~QueueIdScope();
    QueueIdScope(const QueueIdScope&) = delete;
    QueueIdScope& operator=(const QueueIdScope&) = delete;

  private:
    std::string previous_;
};

// Returns the thread's current queue id (empty outside any scope).
std::string_view current_queue_id();

}  // namespace mxpulse::log
