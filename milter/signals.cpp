// Signal handling: SIGTERM and SIGINT stop libmilter's listener; SIGHUP reloads the configuration.
//
// libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT and treats SIGHUP as
// "stop". mxpulse wants SIGHUP to mean "reload", so this file interposes sigwait(): the set
// libmilter waits for loses SIGHUP, which stays blocked everywhere and is taken only by the
// reload thread below. libmilter is a shared library, so its call resolves to this definition.
#include "signals.hpp"

#include <dlfcn.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

#include "log/logger.hpp"

extern "C" int sigwait(const sigset_t* set, int* sig) {
    using Fn = int (*)(const sigset_t*, int*);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "sigwait"));
    if (!real) return ENOSYS;
    sigset_t without_hup = *set;
    sigdelset(&without_hup, SIGHUP);
    return real(&without_hup, sig);
}

namespace mxpulse::milter {

void block_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

ReloadThread::ReloadThread(App& app)
    : thread_([this, &app] {
          sigset_t hup;
          sigemptyset(&hup);
          sigaddset(&hup, SIGHUP);
          while (!stop_.load()) {
              timespec wait{0, 250'000'000};
              if (sigtimedwait(&hup, nullptr, &wait) == SIGHUP) app.reload("SIGHUP");
          }
      }) {}

ReloadThread::~ReloadThread() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

}  // namespace mxpulse::milter
