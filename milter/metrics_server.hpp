// The Prometheus endpoint: GET /metrics over HTTP/1.1 on its own libevent thread.
#pragma once

#include <memory>
#include <string>

#include "app.hpp"

namespace mxpulse::milter {

// Serves the metrics exposition until stopped; does nothing when metrics.listen is empty.
class MetricsServer {
  public:
    explicit MetricsServer(App& app);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Creates and binds the listening socket (run before dropping privileges).
    bool open(const config::Config& c, std::string& error);

    // Starts the serving thread.
    bool start(std::string& error);

    // Stops the thread and closes the socket.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mxpulse::milter
