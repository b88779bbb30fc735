// Signal handling: SIGHUP reloads; SIGTERM and SIGINT drain the sessions in flight, then stop
// libmilter.
#pragma once

#include <atomic>
#include <thread>

#include "app.hpp"

namespace mxpulse::milter {

// Blocks the handled signals in the calling thread; call before any thread is started so all
// inherit it.
void block_signals();

// Owns the handled signals: reloads on SIGHUP, drains and stops libmilter on SIGTERM or SIGINT.
class SignalThread {
  public:
    explicit SignalThread(App& app);
    ~SignalThread();
    SignalThread(const SignalThread&) = delete;
    SignalThread& operator=(const SignalThread&) = delete;

  private:
    std::atomic<bool> quit_{false};
    std::thread thread_;
};

}  // namespace mxpulse::milter
