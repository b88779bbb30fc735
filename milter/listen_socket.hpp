// The milter listening socket: opening it through libmilter, its permissions, and TCP_NODELAY.
#pragma once

#include <string>

#include "config/config.hpp"
#include "daemon.hpp"

namespace mxpulse::milter {

// Returns the filesystem path of a unix:/local: socket spec, or "" for inet sockets.
std::string unix_socket_path(const std::string& spec);

// Opens the milter socket via libmilter, sets unix-socket ownership and mode, and disables Nagle's
// algorithm on inet listeners (Linux passes TCP_NODELAY on to accepted connections).
bool open_milter_socket(const config::Config& c, const Identity& id, std::string& error);

}  // namespace mxpulse::milter
