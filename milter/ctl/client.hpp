// mxpulsectl's connection to the daemon: finding the socket, one request, one reply.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mxpulse::ctl {

// Options shared by every subcommand.
struct Options {
    std::string socket;  // explicit -s PATH
    std::string config;  // -c FILE, to read control.socket from
    bool json = false;
};

// Exit codes, after sysexits(3) where one fits.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;        // the daemon answered with an error
inline constexpr int kExitUsage = 64;        // EX_USAGE: unknown command, bad option or argument
inline constexpr int kExitUnavailable = 69;  // no daemon to talk to
inline constexpr int kExitNoPerm = 77;       // not allowed to use the socket
inline constexpr int kExitConfig = 78;  // EX_CONFIG: the configuration file named cannot be read

// Returns the control socket path: -s, else control.socket of the config file (read leniently:
// only that key matters), else the default.
std::string socket_path(const Options& o, std::string& error);

// Sends one request line and reads the reply; returns an exit code and sets error on failure.
int request(const Options& o, const std::string& line, nlohmann::json& reply, std::string& error);

// Sends a request, prints errors to stderr; returns the exit code and the result on success.
int ask(const Options& o, const std::string& line, nlohmann::json& result);

}  // namespace mxpulse::ctl
