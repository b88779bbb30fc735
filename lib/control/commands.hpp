// The control commands as a table: name, access level, usage and handler.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/holder.hpp"
#include "control/protocol.hpp"
#include "evidence/store.hpp"
#include "stats/auth_counters.hpp"
#include "stats/counters.hpp"
#include "stats/history.hpp"
#include "stats/registry.hpp"

namespace mxpulse::control {

// What a peer may do: read-only commands, or also those that change state.
enum class Access { read, admin };

// What a command handler can see and do in the daemon.
struct Context {
    const stats::Counters& counters;
    const config::Source& config;
    std::string version;
    std::int64_t pid = 0;
    std::function<std::string()> reload;  // returns "" on success, else the error
    stats::Registry* registry = nullptr;
    std::function<std::string()> snapshot;  // writes the state file now; "" or the error
    std::function<std::int64_t()> now;      // Unix time; the daemon's clock unless a test sets one
    const stats::AuthCounters* auth = nullptr;  // outbound SPF/DKIM/DMARC per sender domain
    stats::History* history = nullptr;          // hourly history of failing destinations
    std::function<nlohmann::json()> alerts;     // active and recent alerts
    // Forgets the alerts of a scope key ("" = all) after a reset, without logging a clear.
    std::function<void(const std::string&)> forget_alerts;
    // How a destination domain was grouped into its provider (mail host and its source), or null.
    std::function<nlohmann::json(const std::string&)> grouping;
    // What Postfix's log says of a message (queue id, Message-ID or recipient): an array of
    // entries; null when the log is not followed.
    std::function<nlohmann::json(const std::string&)> trace;
    // Delivery attempts from Postfix's log for a domain (provider false) or a provider; null when
    // none are known or the log is not followed.
    std::function<nlohmann::json(const std::string&, bool provider)> deliveries;
    evidence::Store* evidence = nullptr;  // the kept NDRs; null when there is no store
    // The last postqueue -j scan by destination domain (provider false) or provider; null when
    // the queue is not read.
    std::function<nlohmann::json(bool provider)> queue;
};

// A handler's outcome: a result document or an error message.
struct Reply {
    bool ok = true;
    nlohmann::json result;
    std::string error;
};

// One control command.
struct Command {
    std::string_view name;
    Access access;
    std::string_view usage;
    std::string_view help;
    std::size_t max_args;
    Reply (*run)(const Request& request, Context& context);
};

// Returns the command table.
std::span<const Command> commands();

// Handles one request line from a peer with the given access; always returns one reply line.
// Sets *denied when the command exists but needs more access than the peer has.
std::string handle_line(std::string_view line, Access access, Context& context,
                        bool* denied = nullptr);

}  // namespace mxpulse::control
