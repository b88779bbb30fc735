// The compact binary encoding of the state file and of the evidence packed per destination.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mxpulse::stats {

// Appends varint-encoded values to a byte string.
class Encoder {
  public:
    // Starts appending to out.
    explicit Encoder(std::string& out) : out_(out) {}

    // Appends an unsigned integer (LEB128).
    void u(std::uint64_t v);

    // Appends a signed integer (zigzag, then LEB128).
    void s(std::int64_t v) {
        u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    }

    // Appends a length-prefixed string.
    void str(std::string_view v);

  private:
    std::string& out_;
};

// Reads what an Encoder wrote, bounds-checked: a bad or short input sets failed(), never throws
// (except std::bad_alloc) and never reads past the end.
class Decoder {
  public:
    // Reads the bytes of in, which must outlive the decoder.
    explicit Decoder(std::string_view in)
        : p_(reinterpret_cast<const unsigned char*>(in.data())), end_(p_ + in.size()) {}

    // Reads an unsigned integer; 0 and failed() on bad input.
    std::uint64_t u();

    // Reads an unsigned integer that must be at most max; 0 and failed() otherwise.
    std::uint64_t u(std::uint64_t max);

    // Reads a signed integer.
    std::int64_t s() {
        std::uint64_t v = u();
        return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
    }

    // Reads a string of at most max bytes.
    std::string str(std::size_t max);

    // Returns true once any read failed.
    bool failed() const { return failed_; }

    // Returns true when every byte was read and nothing failed.
    bool done() const { return !failed_ && p_ == end_; }

  private:
    const unsigned char* p_;
    const unsigned char* end_;
    bool failed_ = false;
};

// Returns a 32-bit checksum of bytes (FNV-1a 64, folded); damage passes with odds of 2^-32.
std::uint32_t checksum(std::string_view bytes);

}  // namespace mxpulse::stats
