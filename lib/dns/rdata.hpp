// Decoding of DNS rdata (names, TXT strings, addresses) from wire bytes, bounds-checked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mxpulse::dns {

// Decodes an uncompressed domain name at the start of DATA; nullopt when malformed.
std::optional<std::string> rdata_name(std::span<const std::uint8_t> data, std::size_t& used);
// Joins the character-strings of a TXT rdata; nullopt when malformed.
std::optional<std::string> rdata_txt(std::span<const std::uint8_t> data);
// Formats an A (4 bytes) or AAAA (16 bytes) rdata; nullopt for other lengths.
std::optional<std::string> rdata_address(std::span<const std::uint8_t> data);

}  // namespace mxpulse::dns
