// libopendkim's DNS layer: its query-service hooks answered by mxpulse::dns::Resolver.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"

namespace mxpulse::auth {

// Points the query hooks of the libopendkim handle LIB (a DKIM_LIB*) at RESOLVER, which must
// outlive the handle.
void dkim_dns_attach(void* lib, const dns::Resolver& resolver);

// Builds a NOERROR answer packet for NAME/TXT holding TEXTS (each split into 255-byte strings)
// with TTL; empty when NAME cannot be encoded.
std::vector<std::uint8_t> txt_answer_packet(std::string_view name, std::uint32_t ttl,
                                            const std::vector<std::string>& texts);

}  // namespace mxpulse::auth
