// Signal handling: SIGTERM and SIGINT stop libmilter's listener; SIGHUP reloads the configuration.
#pragma once

#include <atomic>
#include <thread>

#include "app.hpp"

namespace mxpulse::milter {

// Blocks the handled signals in the calling thread; call before any thread is started so all
// inherit it.
void block_signals();

// Waits for SIGHUP and reloads, until stop becomes true.
class ReloadThread {
  public:
    explicit ReloadThread(App& app);
    ~ReloadThread();
    ReloadThread(const ReloadThread&) = delete;
    ReloadThread& operator=(const ReloadThread&) = delete;

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace mxpulse::milter
