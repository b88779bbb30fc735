// IPv4 and IPv6 network prefixes and matching addresses against them.
#include "util/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "util/strings.hpp"

namespace mxpulse::util {

std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (istarts_with(text, "IPv6:")) text.remove_prefix(5);
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    std::string s(text);
    std::array<std::uint8_t, 16> out{};
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = 0xff;
        out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
    text = trim(text);
    std::string_view addr = text;
    std::optional<int> len;
    if (size_t slash = text.find('/'); slash != std::string_view::npos) {
        addr = text.substr(0, slash);
        std::string_view l = text.substr(slash + 1);
        int v = -1;
        auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
        if (ec != std::errc() || p != l.data() + l.size() || v < 0) return std::nullopt;
        len = v;
    }
    auto bytes = parse_address(addr);
    if (!bytes) return std::nullopt;
    bool v4 = addr.find(':') == std::string_view::npos;
    int max = v4 ? 32 : 128;
    int l = len.value_or(max);
    if (l > max) return std::nullopt;
    Cidr c;
    c.bytes = *bytes;
    c.prefix_len = v4 ? l + 96 : l;
    c.text = std::string(text);
    // Clear host bits so that "10.1.2.3/8" means 10.0.0.0/8.
    for (int bit = c.prefix_len; bit < 128; ++bit)
        c.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    return c;
}

bool address_in(const std::array<std::uint8_t, 16>& address, const std::vector<Cidr>& networks) {
    for (const Cidr& n : networks) {
        int full = n.prefix_len / 8, rest = n.prefix_len % 8;
        if (std::memcmp(address.data(), n.bytes.data(), full) != 0) continue;
        if (rest != 0) {
            auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
            if ((address[full] & mask) != n.bytes[full]) continue;
        }
        return true;
    }
    return false;
}

}  // namespace mxpulse::util
