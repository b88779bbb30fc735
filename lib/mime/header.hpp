// Header blocks: unfolding, bounded field lists and Content-Type parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/limits.hpp"

namespace mxpulse::mime {

// One header field, unfolded; the value is raw (encoded words not decoded).
struct Field {
    std::string name;
    std::string value;
};

// The fields of one header block in order.
struct HeaderBlock {
    std::vector<Field> fields;

    // Returns the value of the first field called name (any case), or "".
    std::string_view get(std::string_view name) const;
    // Returns true when a field called name (any case) exists.
    bool has(std::string_view name) const;
};

// Parses the header block at the start of text into out; returns the offset of the body.
std::size_t parse_header_block(std::string_view text, const Limits& limits, HeaderBlock& out,
                               std::vector<LimitHit>& hits);

// Returns the lower-case "type/subtype" of a Content-Type value, or "" when there is none.
std::string media_type(std::string_view content_type);

// Returns the unquoted value of parameter name in a structured header value, or "".
std::string header_param(std::string_view value, std::string_view name);

}  // namespace mxpulse::mime
