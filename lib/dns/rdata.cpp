// Decoding of DNS rdata (names, TXT strings, addresses) from wire bytes, bounds-checked.
#include "dns/rdata.hpp"

#include <arpa/inet.h>

namespace mxpulse::dns {

// Decodes an uncompressed domain name; sets USED to the bytes consumed.
std::optional<std::string> rdata_name(std::span<const std::uint8_t> data, std::size_t& used) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        if (pos >= data.size()) return std::nullopt;
        std::uint8_t len = data[pos++];
        if (len == 0) break;
        if (len > 63 || pos + len > data.size() || out.size() + len + 1 > 255) return std::nullopt;
        if (!out.empty()) out.push_back('.');
        out.append(reinterpret_cast<const char*>(data.data() + pos), len);
        pos += len;
    }
    used = pos;
    return out;
}

// Joins the character-strings of a TXT rdata.
std::optional<std::string> rdata_txt(std::span<const std::uint8_t> data) {
    std::string out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        std::uint8_t len = data[pos++];
        if (pos + len > data.size()) return std::nullopt;
        out.append(reinterpret_cast<const char*>(data.data() + pos), len);
        pos += len;
    }
    return out;
}

// Formats an A or AAAA rdata in presentation form.
std::optional<std::string> rdata_address(std::span<const std::uint8_t> data) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (data.size() == 4) {
        if (inet_ntop(AF_INET, data.data(), buf, sizeof buf) == nullptr) return std::nullopt;
    } else if (data.size() == 16) {
        if (inet_ntop(AF_INET6, data.data(), buf, sizeof buf) == nullptr) return std::nullopt;
    } else {
        return std::nullopt;
    }
    return std::string(buf);
}

}  // namespace mxpulse::dns
