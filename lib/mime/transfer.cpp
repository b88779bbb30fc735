// Content-Transfer-Encoding decoders: base64 and quoted-printable, both tolerant.
#include "mime/transfer.hpp"

namespace mxpulse::mime {
namespace {

// Returns the 6-bit value of a base64 digit, or -1.
int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

// Returns the value of a hex digit, or -1.
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

// Decodes base64, skipping foreign bytes; sets broken when the input was malformed.
std::string decode_base64(std::string_view in, bool& broken) {
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    bool padded = false;
    for (char c : in) {
        if (c == '=') {
            padded = true;
            continue;
        }
        const int v = b64_value(c);
        if (v < 0) {
            if (c != '\r' && c != '\n' && c != ' ' && c != '\t') broken = true;
            continue;
        }
        if (padded) broken = true;  // data after padding: concatenated or damaged
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    if (bits >= 6) broken = true;  // a dangling single digit
    return out;
}

// Decodes quoted-printable (soft line breaks joined); invalid escapes are kept as is.
std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c != '=') {
            std::size_t next = in.find('=', i);
            if (next == std::string_view::npos) next = in.size();
            out.append(in.substr(i, next - i));
            i = next - 1;
            continue;
        }
        // Soft line break: "=" followed by optional whitespace and a line end.
        std::size_t j = i + 1;
        while (j < in.size() && (in[j] == ' ' || in[j] == '\t'))
            ++j;
        if (j < in.size() && (in[j] == '\r' || in[j] == '\n')) {
            if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') ++j;
            i = j;
            continue;
        }
        if (j >= in.size()) break;
        if (i + 2 < in.size()) {
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(c);
    }
    return out;
}

// Decodes the "Q" encoding of RFC 2047 (underscore is a space).
std::string decode_q_word(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '_') {
            out.push_back(' ');
        } else if (in[i] == '=' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
                   hex_value(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
            i += 2;
        } else {
            out.push_back(in[i]);
        }
    }
    return out;
}

}  // namespace mxpulse::mime
