// IPv4 and IPv6 network prefixes ("10.0.0.0/8", "2001:db8::/32") and matching addresses against
// them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::util {

// One network prefix; IPv4 is kept as an IPv4-mapped IPv6 prefix so one comparison serves both.
struct Cidr {
    std::array<std::uint8_t, 16> bytes{};
    int prefix_len = 0;  // in IPv6 bits
    std::string text;    // as written in the configuration
};

// Parses "ADDR" or "ADDR/LEN"; returns nullopt for anything malformed.
std::optional<Cidr> parse_cidr(std::string_view text);

// Parses a textual IPv4 or IPv6 address (brackets and "IPv6:" prefix accepted) into 16 bytes.
std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text);

// Returns true when the address lies inside any of the networks.
bool address_in(const std::array<std::uint8_t, 16>& address, const std::vector<Cidr>& networks);

}  // namespace mxpulse::util
