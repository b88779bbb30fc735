// Resource bounds of the MIME parser and the names of the bounds that can be hit.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mxpulse::mime {

// Every resource the parser may consume; each is a hard cap.
struct Limits {
    std::size_t max_bytes = 4 * 1024 * 1024;    // raw bytes examined
    std::size_t max_parts = 256;                // MIME parts kept
    std::size_t max_depth = 16;                 // multipart / message nesting
    std::size_t max_headers = 512;              // header fields per header block
    std::size_t max_line = 64 * 1024;           // bytes of one header line (after unfolding)
    std::size_t max_decoded = 8 * 1024 * 1024;  // decoded body bytes kept in total
};

// A bound that was hit, or a malformed construct that was tolerated.
enum class LimitHit {
    bytes,
    parts,
    depth,
    headers,
    line_length,
    decoded_bytes,
    bad_base64,
    missing_boundary,
    bad_charset,
};

// Returns the stable snake_case name of a hit, e.g. "depth".
std::string_view limit_name(LimitHit hit);

// Adds a hit to the list once (keeps the list short and deterministic).
void note_limit(std::vector<LimitHit>& hits, LimitHit hit);

}  // namespace mxpulse::mime
