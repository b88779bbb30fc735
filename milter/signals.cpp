// Signal handling: SIGHUP reloads; SIGTERM and SIGINT drain the sessions in flight, then stop
// libmilter.
//
// libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT. It treats SIGHUP as
// "stop", and on SIGTERM the worker pool of Debian's libmilter stops serving open sessions at
// once, so a message in flight is cut off. mxpulse therefore takes these signals itself: this
// file interposes sigwait() so that libmilter's signal thread parks, and its own thread reloads
// on SIGHUP, and on SIGTERM stops taking new sessions, waits for the open ones (up to
// daemon.shutdown_grace) and only then calls smfi_stop(). libmilter is a shared library, so its
// call resolves to this definition.
#include "signals.hpp"

#include <dlfcn.h>
#include <libmilter/mfapi.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "log/logger.hpp"

extern "C" int sigwait(const sigset_t* set, int* sig) {
    if (sigismember(set, SIGHUP) == 1 && sigismember(set, SIGTERM) == 1) {
        for (;;)
            pause();  // libmilter's signal thread: mxpulse handles these signals itself
    }
    using Fn = int (*)(const sigset_t*, int*);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "sigwait"));
    return real ? real(set, sig) : ENOSYS;
}

namespace mxpulse::milter {

namespace {

// Returns the set of signals mxpulse handles in its own thread.
sigset_t handled() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

// Stops taking sessions, waits for the open ones up to the grace period, then stops libmilter.
void drain_and_stop(App& app) {
    app.stopping.store(true);
    log::emit(log::events::daemon_stopping,
              {log::Field("in_flight", app.counters.sessions_active())});
    auto until = std::chrono::steady_clock::now() + app.config.get()->shutdown_grace;
    while (app.counters.sessions_active() > 0 && std::chrono::steady_clock::now() < until) {
        timespec pause{0, 50'000'000};
        nanosleep(&pause, nullptr);
    }
    app.abandoned_sessions.store(app.counters.sessions_active());
    smfi_stop();
}

}  // namespace

void block_signals() {
    sigset_t set = handled();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

SignalThread::SignalThread(App& app)
    : thread_([this, &app] {
          sigset_t set = handled();
          while (!quit_.load()) {
              timespec wait{0, 250'000'000};
              int sig = sigtimedwait(&set, nullptr, &wait);
              if (sig == SIGHUP) {
                  app.reload("SIGHUP");
              } else if (sig == SIGTERM || sig == SIGINT) {
                  drain_and_stop(app);
                  return;
              }
          }
      }) {}

SignalThread::~SignalThread() {
    quit_.store(true);
    if (thread_.joinable()) thread_.join();
}

}  // namespace mxpulse::milter
