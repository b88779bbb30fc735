// UTF-8 (RFC 3629) checks for text that leaves mxpulse in formats that demand it: JSON log
// lines and Prometheus label values. Bytes from bounces and headers are not always UTF-8.
#include "util/utf8.hpp"

namespace mxpulse::util {

// Decodes the lead byte's length and checks each continuation byte's range (RFC 3629 4).
std::size_t utf8_sequence(std::string_view s) {
    if (s.empty()) return 0;
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;  // no overlongs
        if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;  // no overlongs
        if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i) {
        if (b(i) < 0x80 || b(i) > 0xbf) return 0;
    }
    return n;
}

// Walks S sequence by sequence.
bool valid_utf8(std::string_view s) {
    while (!s.empty()) {
        std::size_t n = utf8_sequence(s);
        if (n == 0) return false;
        s.remove_prefix(n);
    }
    return true;
}

// Copies well-formed runs and replaces each bad byte.
void append_utf8_replacing(std::string& out, std::string_view s) {
    while (!s.empty()) {
        std::size_t n = utf8_sequence(s);
        if (n == 0) {
            out += "\xef\xbf\xbd";
            s.remove_prefix(1);
        } else {
            out.append(s.substr(0, n));
            s.remove_prefix(n);
        }
    }
}

}  // namespace mxpulse::util
