// Which resolver the lookups go to, in words an operator can check: configured or resolv.conf.
#pragma once

#include <string>
#include <vector>

#include "dns/resolver.hpp"

namespace mxpulse::dns {

// Where the resolver's nameservers come from.
struct ResolverSource {
    std::string origin;                  // "config" or "resolv.conf"
    std::string file;                    // the resolv.conf read, when origin is "resolv.conf"
    std::vector<std::string> addresses;  // "IP" or "IP@PORT", as used
    std::string note;                    // e.g. why 127.0.0.1 when resolv.conf lists none
};

// Describes where CONFIG sends its lookups; RESOLV_CONF is the file libunbound reads when no
// nameserver is configured.
ResolverSource describe_source(const ResolverConfig& config,
                               const std::string& resolv_conf = "/etc/resolv.conf");

// One line for people: "127.0.0.1@5353 (dns.nameservers)" or "192.0.2.53 (/etc/resolv.conf)".
std::string source_line(const ResolverSource& source);

}  // namespace mxpulse::dns
