// The compact binary encoding of the state file and of the evidence packed per destination.
#include "stats/codec.hpp"

namespace mxpulse::stats {

void Encoder::u(std::uint64_t v) {
    while (v >= 0x80) {
        out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
}

void Encoder::str(std::string_view v) {
    u(v.size());
    out_.append(v);
}

std::uint64_t Decoder::u() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p_ == end_) break;
        unsigned char b = *p_++;
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    failed_ = true;
    return 0;
}

std::uint64_t Decoder::u(std::uint64_t max) {
    std::uint64_t v = u();
    if (v <= max) return v;
    failed_ = true;
    return 0;
}

std::string Decoder::str(std::size_t max) {
    std::uint64_t n = u();
    if (failed_ || n > max || n > static_cast<std::uint64_t>(end_ - p_)) {
        failed_ = true;
        return {};
    }
    std::string out(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return out;
}

std::uint32_t checksum(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

}  // namespace mxpulse::stats
