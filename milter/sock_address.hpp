// Rendering the socket address libmilter reports for a client.
#pragma once

#include <sys/socket.h>

#include <string>

namespace mxpulse::milter {

// Renders a socket address as text ("192.0.2.1", "2001:db8::1"), or "" for others.
std::string address_text(const sockaddr* sa);

}  // namespace mxpulse::milter
