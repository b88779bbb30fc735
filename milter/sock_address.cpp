// Rendering the socket address libmilter reports for a client.
#include "sock_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace mxpulse::milter {

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (!sa) return {};
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    }
    return buf;
}

}  // namespace mxpulse::milter
