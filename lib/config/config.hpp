// The immutable, fully validated configuration of one mxpulse instance.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/cidr.hpp"

namespace mxpulse::config {

// Every field is declared with its TOML key, default and documentation in options.cpp, nowhere
// else.
struct Config {
    std::string source;  // the file it was loaded from, or "(built-in defaults)"

    // [daemon]
    std::string user;
    std::string group;
    std::string pid_file;
    std::chrono::milliseconds shutdown_grace{};

    // [milter]
    std::string milter_socket;
    std::int64_t milter_socket_mode = 0;
    std::chrono::milliseconds milter_timeout{};
    std::int64_t milter_backlog = 0;
    std::string failure_action;  // accept | tempfail | reject
    std::int64_t max_sessions = 0;

    // [limits]
    std::int64_t max_header_bytes = 0;
    std::int64_t max_headers = 0;
    std::int64_t max_recipients = 0;
    std::int64_t max_body_bytes = 0;

    // [direction]
    std::vector<std::string> internal_networks;
    std::vector<std::string> outbound_daemon_names;
    bool authenticated_is_outbound = true;

    // [log]
    std::string log_sink;    // stderr | syslog
    std::string log_format;  // kv | json
    std::string log_level;   // trace | debug | info | warn | error
    std::string syslog_facility;

    // [control]
    std::string control_socket;
    std::int64_t control_socket_mode = 0;
    std::string control_socket_group;
    std::int64_t control_max_clients = 0;
    std::int64_t control_max_request_bytes = 0;
    std::chrono::milliseconds control_idle_timeout{};

    // Derived at load time from internal_networks (already validated).
    std::vector<util::Cidr> internal_cidrs;
};

}  // namespace mxpulse::config
