// The control socket server: a libevent thread speaking the line protocol of lib/control.
#pragma once

#include <memory>
#include <string>

#include "app.hpp"
#include "daemon.hpp"

namespace mxpulse::milter {

// Serves the control socket on its own thread until stopped.
class ControlServer {
  public:
    ControlServer(App& app, std::string version);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates, binds and permissions the socket (run before dropping privileges).
    bool open(const config::Config& c, const Identity& id, std::string& error);

    // Starts the serving thread.
    bool start(std::string& error);

    // Stops the thread and removes the socket.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mxpulse::milter
